"""The provider interface: one public method, capabilities as class attributes.

A provider turns a list of chat messages plus a Pydantic schema into a validated object::

    completion = provider.complete(messages, BriefDraft, max_tokens=1200, timeout=60)
    completion.parsed        # a BriefDraft
    completion.usage         # Usage(prompt_tokens=..., completion_tokens=...)

Subclasses implement ``_generate`` (one request, raw text back). ``complete`` is shared: it
parses the reply and, if the JSON does not validate, sends the errors back ONCE and asks for
corrected JSON; a second failure raises ``DraftInvalid``. Transport failures are the
subclass's job to turn into ``ProviderUnavailable`` (after the SDK's own bounded retries;
this layer adds no retry loop of its own).

A caller may also pass ``compose``: a zero-argument function returning the answer (the
object, or its JSON text) written without a model. Only a provider that ``composes`` (the
offline one) receives it; every other provider never sees it. Either way the reply is
parsed and validated here, so a composed answer is checked like a model's.

Providers are never given tools that act: tool calling, where used, is only a carrier for
the structured reply and the "tool" is never executed.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Generic, Literal, TypedDict, TypeVar

from jinja2 import Environment
from pydantic import BaseModel, ValidationError

from assistant.core.templates import environment
from assistant.errors import DraftInvalid

if TYPE_CHECKING:
    from assistant.settings import Settings

T = TypeVar("T", bound=BaseModel)
Composer = Callable[[], BaseModel | str]
"""Writes the answer without a model: the object, or its JSON text."""


class Message(TypedDict):
    """One chat message, in the shape every OpenAI-compatible API accepts."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Usage:
    """Token counts as reported by the provider (summed over a repair attempt)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Reply:
    """What one request to a model returns, before parsing."""

    text: str
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    truncated: bool = False
    """The model stopped at max_tokens (finish_reason "length")."""


@dataclass(frozen=True)
class Completion(Generic[T]):
    """A validated answer: the parsed object plus what it cost and who produced it."""

    parsed: T
    raw: str
    usage: Usage
    model: str
    provider: str
    attempts: int = 1
    """1 when the first reply validated, 2 when the repair attempt was needed."""


class InvalidReply(ValueError):
    """A reply that is not JSON or does not validate; carries short, model-readable errors."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class Provider(ABC):
    """Base class for LLM providers. Capabilities are class attributes, read without a call."""

    name: ClassVar[str] = "abstract"
    supports_json_schema: ClassVar[bool] = False
    """The endpoint accepts ``response_format={"type": "json_schema", ...}``."""
    supports_tools: ClassVar[bool] = False
    """The endpoint can force a tool call (used only to carry the structured reply)."""
    needs_key: ClassVar[bool] = False
    """Calls need an API key (the offline and local providers need none)."""
    is_local: ClassVar[bool] = False
    """No data leaves the machine."""
    composes: ClassVar[bool] = False
    """The provider answers with the caller's ``compose`` function instead of a model."""

    model: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Provider:
        """Build the provider from the settings; override when it needs any of them."""
        return cls()

    def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, timeout: float,
        compose: Composer | None = None,
    ) -> Completion[T]:
        """Ask for an object of type ``schema``; one repair try, then ``DraftInvalid``.

        ``compose`` reaches ``_generate`` only when the provider ``composes``.
        Raises ``ProviderUnavailable`` when the model cannot be reached in time.
        """
        if max_tokens <= 0 or timeout <= 0:
            raise ValueError("max_tokens and timeout must be positive")
        hint = {"compose": compose} if self.composes else {}
        sent = list(messages)
        reply = self._generate(sent, schema, max_tokens=max_tokens, timeout=timeout, **hint)
        try:
            return self._completion(reply, schema, reply.usage, attempts=1)
        except InvalidReply as first:
            if reply.truncated:
                first.errors.append(f"the reply was cut off at {max_tokens} tokens: answer more briefly")
            repair = [
                *sent,
                Message(role="assistant", content=reply.text),
                Message(role="user", content=render("repair.j2", errors=first.errors)),
            ]
            second = self._generate(repair, schema, max_tokens=max_tokens, timeout=timeout, **hint)
            try:
                return self._completion(second, schema, reply.usage + second.usage, attempts=2)
            except InvalidReply as err:
                raise DraftInvalid(
                    f"{self.name} model output failed {schema.__name__} validation after one repair",
                    detail={"errors": err.errors, "raw": second.text[:2000]},
                ) from err

    @abstractmethod
    def _generate(
        self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int, timeout: float
    ) -> Reply:
        """Send one request and return the raw text; raise ``ProviderUnavailable`` on failure."""

    def _completion(self, reply: Reply, schema: type[T], usage: Usage, *, attempts: int) -> Completion[T]:
        return Completion(
            parsed=parse_reply(reply.text, schema),
            raw=reply.text,
            usage=usage,
            model=reply.model or self.model,
            provider=self.name,
            attempts=attempts,
        )


_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```$", re.DOTALL)


def extract_json(text: str) -> str:
    """The JSON object inside a reply, tolerating code fences and prose around it."""
    text = text.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        return text[start : end + 1]
    return text


def parse_reply(text: str, schema: type[T]) -> T:
    """Validate a reply against ``schema``; raise ``InvalidReply`` with short error lines."""
    candidate = extract_json(text)
    try:
        # strict=False lets raw newlines/tabs inside strings through: small models emit them
        # (llama.cpp's grammar allows them) and they carry no ambiguity.
        data = json.loads(candidate, strict=False)
    except json.JSONDecodeError as err:
        raise InvalidReply([f"the reply is not valid JSON: {err.msg} at position {err.pos}"]) from err
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        # Location and message only: echoing the offending input back would bloat the prompt.
        raise InvalidReply(
            [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in err.errors()]
        ) from err


@cache
def _templates() -> Environment:
    # Prompt snippets are plain text, rendered as written (no block-tag trimming).
    return environment(Path(__file__).resolve().parent / "templates", autoescape=False, tidy=False)


def render(template: str, **values: object) -> str:
    """Render one of the provider layer's own prompt snippets (StrictUndefined)."""
    return _templates().get_template(template).render(**values).strip()


def schema_json(schema: type[BaseModel]) -> dict:
    """The JSON Schema sent to the model for ``schema``."""
    return schema.model_json_schema()


def schema_text(schema: type[BaseModel]) -> str:
    """The JSON Schema as the model reads it in a message. Compact: the schema counts against
    the prompt budget, and the spaces after ',' and ':' are about a fifth of its tokens."""
    return json.dumps(schema_json(schema), separators=(",", ":"))


def json_instructions(messages: list[Message], schema: type[BaseModel]) -> list[Message]:
    """``messages`` with the reply's JSON Schema appended to the system message (or one in front).

    For endpoints whose JSON mode does not carry the schema itself.
    """
    instructions = render("json_instructions.j2", schema=schema_text(schema))
    if messages and messages[0]["role"] == "system":
        first = Message(role="system", content=f"{messages[0]['content']}\n\n{instructions}")
        return [first, *messages[1:]]
    return [Message(role="system", content=instructions), *messages]
