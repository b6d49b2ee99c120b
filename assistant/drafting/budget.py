"""Fit a prompt into its token budget by dropping the least relevant context first."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from assistant.core.token_count import count_tokens

# A trim step mutates the context and returns False when it has nothing left to drop.
TrimStep = Callable[[dict[str, Any]], bool]


def pop_last(key: str, keep: int = 0) -> TrimStep:
    """Drop the last element of context[key] (lists are ordered most relevant first)."""

    def step(ctx: dict[str, Any]) -> bool:
        items = ctx.get(key) or []
        if len(items) <= keep:
            return False
        items.pop()
        return True

    return step


CUT = " [...]"


def shorten_text(key: str, fields: tuple[str, ...], floor: int = 200) -> TrimStep:
    """Halve the longest free-text field among context[key] items, down to ``floor`` characters."""

    def step(ctx: dict[str, Any]) -> bool:
        best: tuple[int, dict[str, Any], str] | None = None
        for item in ctx.get(key) or []:
            for f in fields:
                n = len(item.get(f) or "")
                # A text cut to the floor is the floor plus the mark: cutting it again gains nothing,
                # and a step that always succeeds would keep the budget search from ever ending.
                if n > floor + len(CUT) and (best is None or n > best[0]):
                    best = (n, item, f)
        if best is None:
            return False
        n, item, f = best
        item[f] = item[f][: max(floor, n // 2)].rstrip() + CUT
        return True

    return step


def fit(render: Callable[[dict[str, Any]], str], ctx: dict[str, Any], budget: int,
        steps: list[TrimStep]) -> tuple[str, int, int]:
    """Render, and while over budget apply the first step that can still drop something.

    Returns (prompt, tokens, trims). If every step is exhausted the prompt is returned as it
    is: the caller's facts are already bounded, so that is a sign the budget is set too low.
    """
    prompt = render(ctx)
    tokens = count_tokens(prompt)
    if tokens <= budget:
        return prompt, tokens, 0
    # Every trim only removes text, so tokens fall as trims grow: search for the fewest trims
    # that fit (doubling, then halving) on copies, instead of rendering and counting the whole
    # prompt after each single trim (a brief over budget took ~85 renders, ~3 ms each).
    # The result, and what ``ctx`` holds afterwards, are those of trimming one step at a time.
    def advance(state: dict[str, Any], n: int) -> int:
        done = 0
        while done < n and any(step(state) for step in steps):
            done += 1
        return done

    def measure(state: dict[str, Any]) -> tuple[str, int]:
        text = render(state)
        return text, count_tokens(text)

    lo, hi = 0, None  # lo trims are known not to fit; hi trims are known to fit (or to be all there are)
    lo_state = copy.deepcopy(ctx)
    best: tuple[str, int] = (prompt, tokens)
    step_size = 1
    while hi is None:
        probe = copy.deepcopy(lo_state)
        done = advance(probe, step_size)
        text, n_tokens = measure(probe)
        if done < step_size or n_tokens <= budget:
            hi, best = lo + done, (text, n_tokens)
            if n_tokens > budget:  # every step exhausted and still over: as trimmed as it gets
                advance(ctx, hi)
                return text, n_tokens, hi
        else:
            lo, lo_state = lo + done, probe
            step_size *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        probe = copy.deepcopy(lo_state)
        advance(probe, mid - lo)
        text, n_tokens = measure(probe)
        if n_tokens <= budget:
            hi, best = mid, (text, n_tokens)
        else:
            lo, lo_state = mid, probe
    advance(ctx, hi)
    return best[0], best[1], hi


def shorten_series(key: str, field: str = "series", floor: int = 4) -> TrimStep:
    """Drop the oldest point of the longest series among context['facts'][key] items."""

    def step(ctx: dict[str, Any]) -> bool:
        items = (ctx.get("facts") or {}).get(key) or []
        longest = max(items, key=lambda i: len(i.get(field) or []), default=None)
        if longest is None or len(longest.get(field) or []) <= floor:
            return False
        longest[field].pop(0)
        return True

    return step


def pop_last_fact(*path: str, keep: int = 0) -> TrimStep:
    """Drop the last element of the list at context['facts'][path...] (ordered most relevant first)."""

    def step(ctx: dict[str, Any]) -> bool:
        node: Any = ctx.get("facts") or {}
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, list) or len(node) <= keep:
            return False
        node.pop()
        return True

    return step
