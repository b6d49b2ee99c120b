"""Re-record the LLM cassettes from the real local model (SmolLM2-135M via llama.cpp).

    .venv/bin/python scripts/record_cassettes.py          # what `make record` runs

Starts llama.cpp's server on 127.0.0.1:8088 (the port the cassette URIs name), runs the
cassette tests with CADENCE_RECORD=1 (each test rewrites its own cassette; extra arguments go
to pytest, e.g. ``-k repair`` or ``-k langchain`` for the LangChain provider's only), and stops
the server. Needs the [local] extra. Normal test runs replay with
record_mode "none" and fail on any unrecorded or unplayed interaction.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.llm.local import start_server, stop_server, wait_until_ready  # noqa: E402

PORT = 8088  # keep in step with the PORT of every file in TESTS
CASSETTES = ROOT / "tests" / "cassettes" / "llm"
TESTS = ["tests/llm/test_openai_provider.py", "tests/llm/test_langchain_cassettes.py"]


def main() -> int:
    log = ROOT / "var" / "llm-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    process = start_server(PORT, log_file=log)
    try:
        print(f"llama.cpp server ready after {wait_until_ready(PORT, process=process):.1f}s (log: {log})")
        started = time.monotonic()
        code = subprocess.call(
            [sys.executable, "-m", "pytest", *TESTS, "-p", "no:cacheprovider", "-v", *sys.argv[1:]],
            cwd=ROOT,
            env={**os.environ, "CADENCE_RECORD": "1"},
        )
        count = len(list(CASSETTES.glob('*.yaml')))
        print(f"{count} cassettes in {CASSETTES}; the tests took {time.monotonic() - started:.1f}s")
        return code
    finally:
        stop_server(process)


if __name__ == "__main__":
    raise SystemExit(main())
