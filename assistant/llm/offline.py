"""The offline provider: composes a draft from the computed facts with Jinja2 templates.

It reads the same prompt a real model gets, takes the ``facts`` (and other) data blocks
out of it, and renders prompts/offline/<kind>.j2, which writes YAML in the draft's schema.
No instruction in the prompt is followed, because nothing is interpreted: the output is a
deterministic function of the data, and it passes through the same parsing and grounding
guard as any model's. Drafts say ``"provider": "offline"``.
"""

from __future__ import annotations

import json

import yaml
from pydantic import BaseModel

from assistant.drafting.prompt import read_data_block, render
from assistant.errors import DraftInvalid

from .base import Message, Provider, Reply, Usage

BLOCKS = ("facts", "checkins", "history", "playbook")


class OfflineProvider(Provider):
    name = "offline"
    is_local = True
    model = "offline-templates-v1"

    def _generate(self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int,
                  timeout: float) -> Reply:
        template = getattr(schema, "offline_template", None)
        if template is None:
            raise DraftInvalid(f"the offline provider has no template for {schema.__name__}")
        # The first user message is the task prompt; any later one is a repair request, and
        # the templates are deterministic, so the task prompt alone decides the answer.
        prompt = next((m["content"] for m in messages if m["role"] == "user"), "")
        blocks = {}
        for name in BLOCKS:
            try:
                blocks[name] = read_data_block(prompt, name)
            except KeyError:
                blocks[name] = []
        text = render(template, **blocks)
        data = yaml.safe_load(text) or {}
        # A template section whose loop found nothing renders as `items:` (null): leave it out.
        if isinstance(data.get("sections"), list):
            data["sections"] = [s for s in data["sections"] if s.get("items")]
        return Reply(text=json.dumps(data), usage=Usage(0, 0), model=self.model)
