"""Recorded model calls: one vcrpy cassette per case and provider, and a guard on the network.

    evals/cassettes/<provider>/<case>.yaml    the HTTP exchanges of one case's draft
    evals/cassettes/<provider>/endpoint.json  where they were recorded: URL, model, mode,
                                              and the prompt file hashes at the time

Replay builds the provider from endpoint.json, so it needs no key, no configuration and no
network. Requests match on method, URI and JSON body: a changed prompt is a changed body,
so it misses its cassette, and the case says how to re-record it. Any request that is not
in the cassette fails (record mode "none"), and so does a recorded exchange left unplayed.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from assistant.drafting import prompt as prompting
from assistant.errors import ProviderUnavailable
from assistant.llm import Provider
from assistant.settings import Settings

HTTP_PROVIDERS = ("openai", "local")
FILTERED_HEADERS = ["authorization", "api-key", "openai-organization", "openai-project", "cookie"]


class CassetteMiss(Exception):
    """A request the cassette does not hold (the prompt changed), or a recorded one unplayed."""


def rerecord_hint(provider: str, case_ids: list[str]) -> str:
    cases = " ".join(f"--case {c}" for c in case_ids)
    return f"cadence eval --record --provider {provider} {cases}"


def prompt_hashes() -> dict[str, str]:
    """Hash of every prompt file: stored with recordings and reports, so an edit is visible."""
    root = Path(prompting.PROMPTS)
    return {p.relative_to(root).as_posix(): prompting.prompt_hash(p.relative_to(root).as_posix())
            for p in sorted(root.rglob("*.j2"))}


def _drop_noise(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower().startswith("x-stainless") or name.lower() == "user-agent":
            del request.headers[name]
    return request


def recorder(folder: Path, *, record: bool) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(folder),
        record_mode="all" if record else "none",
        match_on=["method", "uri", "body"],
        filter_headers=FILTERED_HEADERS,
        before_record_request=_drop_noise,
        decode_compressed_response=True,
    )


@contextmanager
def cassette(folder: Path, case_id: str, *, record: bool) -> Iterator[Any]:
    """Play (or record) ``case_id``'s cassette; raise CassetteMiss on a miss or a leftover."""
    path = folder / f"{case_id}.yaml"
    if record:
        folder.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    elif not path.exists():
        raise CassetteMiss(f"no cassette {path.name} in {folder}")
    with recorder(folder, record=record).use_cassette(path.name) as cass:
        yield cass
    if not record and not cass.all_played:
        left = len(cass) - cass.play_count
        raise CassetteMiss(f"{left} recorded request(s) in {path.name} were never sent (the pipeline changed)")


def is_miss(exc: BaseException) -> bool:
    """True when ``exc`` (or anything it wraps) is vcrpy refusing an unrecorded request."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CannotOverwriteExistingCassetteException | CassetteMiss):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# ---------------------------------------------------------------- providers
def endpoint_file(folder: Path) -> Path:
    return folder / "endpoint.json"


def replay_provider(name: str, folder: Path) -> Provider:
    """The HTTP provider exactly as it was recorded (from endpoint.json): no key, no config."""
    path = endpoint_file(folder)
    if not path.exists():
        raise ProviderUnavailable(f"nothing recorded for {name} yet ({path} is missing); "
                                  f"record with `cadence eval --record --provider {name}`")
    meta = json.loads(path.read_text(encoding="utf-8"))
    return _http_provider(name, base_url=meta["base_url"], model=meta["model"], mode=meta["mode"])


def _http_provider(name: str, *, base_url: str, model: str, mode: str, api_key: str | None = None,
                   timeout: float = 600.0) -> Provider:
    from assistant.llm.openai import OpenAIProvider

    # temperature 0 and no SDK retries: a recording is one deterministic exchange per call.
    provider = OpenAIProvider(model=model, base_url=base_url, api_key=api_key, structured=mode,
                              max_retries=0, timeout=timeout, temperature=0.0)
    provider.name = name  # type: ignore[misc]  # "local" drafts say local, like LocalProvider's
    return provider


def live_target(name: str, settings: Settings) -> tuple[str, str, str | None, bool]:
    """(base_url, model, api_key, start_local_server) for recording with ``settings``."""
    from assistant.llm.local import MODEL_ALIAS, base_url

    if name == "openai" and settings.llm_base_url:
        return settings.llm_base_url, settings.llm_model, settings.llm_api_key, False
    if name == "openai" and settings.llm_api_key:
        return "https://api.openai.com/v1", settings.llm_model, settings.llm_api_key, False
    return base_url(settings.local_port), MODEL_ALIAS, None, True


def record_provider(name: str, folder: Path, settings: Settings) -> Provider:
    """The live provider to record with; writes endpoint.json so replay can rebuild it."""
    from assistant.llm.openai import resolve_mode

    url, model, key, _ = live_target(name, settings)
    mode = resolve_mode(settings.llm_structured, url)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"base_url": url, "model": model, "mode": mode, "prompt_hashes": prompt_hashes()}
    endpoint_file(folder).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return _http_provider(name, base_url=url, model=model, mode=mode, api_key=key, timeout=settings.llm_timeout * 10)


def changed_prompts(folder: Path) -> list[str]:
    """Prompt files whose hash differs from the one stored when the cassettes were recorded."""
    path = endpoint_file(folder)
    if not path.exists():
        return []
    then = json.loads(path.read_text(encoding="utf-8")).get("prompt_hashes") or {}
    now = prompt_hashes()
    return sorted(name for name in set(then) | set(now) if then.get(name) != now.get(name))


# ---------------------------------------------------------------- the network guard
@contextmanager
def network_blocked(allow_loopback: bool = False) -> Iterator[None]:
    """Fail any TCP connection (a replay needs none; a recording only the local server)."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        local = isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1"))
        if self.family in (socket.AF_INET, socket.AF_INET6) and not (allow_loopback and local):
            raise ConnectionRefusedError(f"eval network guard: no connection to {address!r} outside a cassette")
        return real(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real  # type: ignore[method-assign]


@contextmanager
def live_server(providers: list[str], settings: Settings, log_file: Path) -> Iterator[None]:
    """Start the bundled local model server for a recording, unless one already answers."""
    import httpx

    from assistant.llm.local import base_url, start_server, stop_server, wait_until_ready

    if not any(live_target(p, settings)[3] for p in providers if p in HTTP_PROVIDERS):
        yield
        return
    port = settings.local_port
    try:
        running = httpx.get(f"{base_url(port)}/models", timeout=2.0).status_code == 200
    except httpx.TransportError:
        running = False
    if running:
        yield
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = start_server(port, log_file=log_file)
    try:
        wait_until_ready(port, process=process, timeout=300.0)
        yield
    finally:
        stop_server(process)
