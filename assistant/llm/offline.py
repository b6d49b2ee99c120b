"""The offline provider: answers with the composer the caller passes, no model involved.

Each draft kind has a composer that writes its output from the computed facts (see
``assistant.drafting.offline``); the pipeline hands it to ``complete`` as ``compose``. This
provider only runs it and returns the JSON, which then goes through the same parsing (and,
in the pipeline, the same grounding guard) as any model's reply. Nothing in the prompt is
read, so no instruction in it can be followed. Drafts say ``"provider": "offline"``.
"""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from assistant.errors import DraftInvalid

from .base import Composer, Message, Provider, Reply, Usage


class OfflineProvider(Provider):
    name = "offline"
    is_local = True
    composes = True
    model = "offline-templates-v1"

    def _generate(self, messages: list[Message], schema: type[BaseModel], *, max_tokens: int,
                  timeout: float, compose: Composer | None = None) -> Reply:
        if compose is None:
            raise DraftInvalid(f"the offline provider has no composer for {schema.__name__}")
        # A repair request gets the same answer: the composer depends on the facts alone.
        try:
            answer = compose()
        except ValidationError as err:  # the facts outgrew the schema's limits
            raise DraftInvalid(
                f"the offline composer could not build a valid {schema.__name__}",
                detail={"errors": [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
                                   for e in err.errors()]},
            ) from err
        text = answer if isinstance(answer, str) else answer.model_dump_json()
        return Reply(text=text, usage=Usage(0, 0), model=self.model)
