"""A scripted provider for tests: queue replies, inspect what was sent, simulate outages.

    fake = FakeProvider().enqueue({"summary": "..."}, '{"broken": ')
    fake.fail(times=2)              # the next two calls raise ProviderUnavailable
    fake.requests                   # every messages list sent, in order (failed ones too)

It goes through ``Provider.complete`` like any real provider, so the repair path runs.
"""

from __future__ import annotations

import copy
import json
from collections import deque

from pydantic import BaseModel

from assistant.errors import ProviderUnavailable

from .base import Message, Provider, Reply, Usage


class FakeProvider(Provider):
    name = "fake"
    supports_json_schema = True
    is_local = True

    def __init__(self, *, model: str = "fake-model") -> None:
        self.model = model
        self.queue: deque[str] = deque()
        self.requests: list[list[Message]] = []
        self.calls: list[dict] = []
        """``max_tokens``, ``timeout`` and schema name of every call, parallel to ``requests``."""
        self._failures = 0
        self._failure_message = ""

    def enqueue(self, *replies: BaseModel | dict | list | str) -> FakeProvider:
        """Queue replies: a model or dict is sent as its JSON; a str is sent verbatim."""
        for reply in replies:
            if isinstance(reply, BaseModel):
                self.queue.append(reply.model_dump_json())
            elif isinstance(reply, str):
                self.queue.append(reply)
            else:
                self.queue.append(json.dumps(reply))
        return self

    def fail(self, times: int = 1, message: str = "fake provider is down") -> FakeProvider:
        """Make the next ``times`` calls raise ``ProviderUnavailable``."""
        self._failures = times
        self._failure_message = message
        return self

    def _generate(
        self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int, timeout: float
    ) -> Reply:
        self.requests.append(copy.deepcopy(messages))
        self.calls.append({"max_tokens": max_tokens, "timeout": timeout, "schema": schema.__name__})
        if self._failures > 0:
            self._failures -= 1
            raise ProviderUnavailable(self._failure_message)
        if not self.queue:
            raise AssertionError(
                f"FakeProvider got request {len(self.requests)} but its queue is empty; enqueue() more"
            )
        text = self.queue.popleft()
        # Word counts stand in for tokens: deterministic and good enough for budget tests.
        prompt = sum(len(m["content"].split()) for m in messages)
        return Reply(text=text, usage=Usage(prompt, len(text.split())), model=self.model)
