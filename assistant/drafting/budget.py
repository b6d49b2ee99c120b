"""Fit a prompt into its token budget by dropping the least relevant context first.

The budget is what the model reads: the caller passes the tokens it sends beside the
rendered prompt (the system prompt, the chat format's per-message marks) as ``fixed``, and
the fit counts them against the budget with the prompt. What the trims dropped is recorded
in words, so a draft can say what its model did not see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.core.token_count import count_tokens

# A trim step mutates the context and returns False when it has nothing left to drop.
TrimStep = Callable[[dict[str, Any]], bool]

# What a step's list holds, as a reader says it (one, many), by its path in the context.
# Steps on a path not named here are described by their key.
WHAT: dict[tuple[str, ...], tuple[str, str]] = {
    ("history",): ("related earlier check-in", "related earlier check-ins"),
    ("checkins",): ("check-in from the recent weeks", "check-ins from the recent weeks"),
    ("playbook",): ("playbook section", "playbook sections"),
    ("actions",): ("1:1 action item", "1:1 action items"),
    ("agenda",): ("agenda item", "agenda items"),
    ("meeting_notes",): ("1:1 note", "1:1 notes"),
    ("threads",): ("blocker", "blockers"),
    ("waiting",): ("waiting decision", "waiting decisions"),
    ("facts", "cadence", "meetings"): ("1:1 meeting record", "1:1 meeting records"),
    ("facts", "follow_through"): ("follow-through record", "follow-through records"),
    ("facts", "self_report_runs"): ("check-in-versus-data mismatch", "check-in-versus-data mismatches"),
    ("facts", "rhythm", "reports"): ("report's 1:1 rhythm", "reports' 1:1 rhythms"),
    ("facts", "goals"): ("goal", "goals"),
    ("facts", "blocker_threads"): ("recurring blocker", "recurring blockers"),
    ("facts", "kpis"): ("KPI", "KPIs"),
    ("facts", "wins_worth_recognising"): ("win worth recognising", "wins worth recognising"),
    ("facts", "flags"): ("KPI flag", "KPI flags"),
    ("facts", "last_quarter", "goals"): ("goal from last quarter", "goals from last quarter"),
    ("facts", "candidates"): ("goal candidate", "goal candidates"),
}


def singular(path: tuple[str, ...]) -> str:
    return (WHAT.get(path) or (path[-1].replace("_", " "),))[0]


def plural(path: tuple[str, ...]) -> str:
    return (WHAT.get(path) or (None, path[-1].replace("_", " ")))[1]


def what(path: tuple[str, ...], n: int) -> str:
    """``n`` things of the list at ``path``, in words: "2 playbook sections"."""
    return f"{n} {singular(path) if n == 1 else plural(path)}"


def _mark(step: Callable[[dict[str, Any]], bool], path: tuple[str, ...], *, drops: str | None) -> TrimStep:
    """Note on the step which part of the context it changes (``path``: only that part is
    copied for a trial trim) and, when it drops whole items, how they are counted."""
    step.path = path  # type: ignore[attr-defined]
    step.drops = drops  # type: ignore[attr-defined]
    return step


def pop_last(key: str, keep: int = 0) -> TrimStep:
    """Drop the last element of context[key] (lists are ordered most relevant first)."""

    def step(ctx: dict[str, Any]) -> bool:
        items = ctx.get(key) or []
        if len(items) <= keep:
            return False
        items.pop()
        return True

    return _mark(step, (key,), drops="items")


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

    return _mark(step, (key,), drops=None)


def shorten_series(key: str, field: str = "series", floor: int = 4) -> TrimStep:
    """Drop the oldest point of the longest series among context['facts'][key] items."""

    def step(ctx: dict[str, Any]) -> bool:
        items = (ctx.get("facts") or {}).get(key) or []
        longest = max(items, key=lambda i: len(i.get(field) or []), default=None)
        if longest is None or len(longest.get(field) or []) <= floor:
            return False
        longest[field].pop(0)
        return True

    return _mark(step, ("facts", key), drops="points")


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

    return _mark(step, ("facts", *path), drops="items")


@dataclass
class Fitted:
    """A prompt fitted to its budget, and what fitting it took."""

    prompt: str
    tokens: int
    """What the model reads: the prompt plus the ``fixed`` tokens sent beside it."""
    trims: int
    left_out: list[str] = field(default_factory=list)
    """Whole items the trims dropped, in words ("2 playbook sections"), most dropped first."""
    shortened: list[str] = field(default_factory=list)
    """Parts whose texts were cut short, in words."""
    over_budget: bool = False
    """Every step was exhausted and the prompt is still over the budget."""
    kept: list[str] = field(default_factory=list)
    """When over budget: what is still there that no step may drop (each list at its floor)."""


def _containers(node: Any) -> Any:
    """A copy of the dicts and lists in ``node``; the strings and numbers in them are shared
    (immutable). Several times quicker than ``copy.deepcopy``, which keeps a memo per object."""
    if isinstance(node, dict):
        return {k: _containers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_containers(v) for v in node]
    return node


def _copier(steps: list[TrimStep]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A copy of a context fit for trial trims: the parts the steps change copied, the rest
    shared with the original (which the trial never touches). A step that does not say what
    it changes gets the whole context copied."""
    paths = [getattr(s, "path", None) for s in steps]
    if any(p is None for p in paths):
        return _containers
    # A path inside another already copied needs nothing more; shortest first finds those.
    wanted: list[tuple[str, ...]] = []
    for p in sorted(set(paths), key=len):
        if not any(p[: len(q)] == q for q in wanted):
            wanted.append(p)

    def copy(ctx: dict[str, Any]) -> dict[str, Any]:
        top = dict(ctx)
        fresh = {id(top)}  # dicts made by this copy: the originals are never written to
        for path in wanted:
            node = top
            for key in path[:-1]:
                child = node.get(key)
                if not isinstance(child, dict):
                    break
                if id(child) not in fresh:
                    child = dict(child)
                    fresh.add(id(child))
                    node[key] = child
                node = child
            else:
                if path[-1] in node:
                    node[path[-1]] = _containers(node[path[-1]])
        return top

    return copy


def _length(ctx: dict[str, Any], path: tuple[str, ...]) -> int:
    node: Any = ctx
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return len(node) if isinstance(node, list) else 0


def fit(render: Callable[[dict[str, Any]], str], ctx: dict[str, Any], budget: int,
        steps: list[TrimStep], *, fixed: int = 0) -> Fitted:
    """Render, and while over budget apply the first step that can still drop something.

    ``fixed`` tokens are sent beside the prompt (the system prompt, the chat format's marks)
    and count against the budget with it. ``ctx`` ends trimmed in place. If every step is
    exhausted the prompt is returned as it is, marked ``over_budget``, with what is left.
    """
    prompt = render(ctx)
    tokens = fixed + count_tokens(prompt)
    if tokens <= budget:
        return Fitted(prompt, tokens, 0)
    # Every trim only removes text, so tokens fall as trims grow: search for the fewest trims
    # that fit (doubling, then halving) on copies, instead of rendering and counting the whole
    # prompt after each single trim (a brief over budget took ~85 renders, ~3 ms each).
    # The result, and what ``ctx`` holds afterwards, are those of trimming one step at a time.
    copy = _copier(steps)

    def advance(state: dict[str, Any], n: int, used: list[TrimStep] | None = None) -> int:
        done = 0
        while done < n:
            step = next((s for s in steps if s(state)), None)
            if step is None:
                break
            done += 1
            if used is not None:
                used.append(step)
        return done

    def measure(state: dict[str, Any]) -> tuple[str, int]:
        text = render(state)
        return text, fixed + count_tokens(text)

    lo, hi = 0, None  # lo trims are known not to fit; hi trims are known to fit (or to be all there are)
    lo_state = ctx  # never written to: every trial trims a copy
    best: tuple[str, int] = (prompt, tokens)
    step_size = 1
    over = False
    while hi is None:
        probe = copy(lo_state)
        done = advance(probe, step_size)
        text, n_tokens = measure(probe)
        if done < step_size or n_tokens <= budget:
            hi, best, over = lo + done, (text, n_tokens), n_tokens > budget
        else:
            lo, lo_state = lo + done, probe
            step_size *= 2
    while not over and hi - lo > 1:
        mid = (lo + hi) // 2
        probe = copy(lo_state)
        advance(probe, mid - lo)
        text, n_tokens = measure(probe)
        if n_tokens <= budget:
            hi, best = mid, (text, n_tokens)
        else:
            lo, lo_state = mid, probe
    used: list[TrimStep] = []
    advance(ctx, hi, used)
    return Fitted(best[0], best[1], hi, *_account(used), over_budget=over, kept=_kept(ctx, steps) if over else [])


def _account(used: list[TrimStep]) -> tuple[list[str], list[str]]:
    """(left out, shortened) in words, from the steps taken: each dropping step drops one."""
    dropped: dict[tuple[tuple[str, ...], str], int] = {}
    shortened: list[str] = []
    for step in used:
        path, drops = getattr(step, "path", None), getattr(step, "drops", None)
        if path is None:
            continue
        if drops is None:
            if (name := plural(path)) not in shortened:
                shortened.append(name)
        else:
            dropped[path, drops] = dropped.get((path, drops), 0) + 1
    left = sorted(dropped.items(), key=lambda kv: -kv[1])
    return [what(path, n) if drops == "items" else f"{n} oldest {singular(path)} {'value' if n == 1 else 'values'}"
            for (path, drops), n in left], shortened


def _kept(ctx: dict[str, Any], steps: list[TrimStep]) -> list[str]:
    """What the dropping steps had to leave: each list still holding items, in words."""
    paths = dict.fromkeys(getattr(s, "path", None) for s in steps if getattr(s, "drops", None) == "items")
    return [what(p, n) for p in paths if p and (n := _length(ctx, p))]


def notes(usage: dict[str, Any]) -> list[str]:
    """What a reader is told of the budget's trims (a draft's ``usage``), in words."""
    out = []
    if left := [str(x) for x in usage.get("left_out") or []]:
        out.append(f"Some context was left out to fit the model's budget: {', '.join(left)}.")
    if usage.get("over_budget"):
        used, budget = usage.get("prompt_tokens_counted"), usage.get("prompt_budget")
        size = f" ({used:,} tokens for {budget:,})" if isinstance(used, int) and isinstance(budget, int) else ""
        kept = [str(x) for x in usage.get("kept") or []]
        out.append(f"Even trimmed as far as it goes, the prompt is over the model's budget{size}"
                   + (f"; it still holds {', '.join(kept)}." if kept else "."))
    return out


# When the kind's own steps are spent and the prompt is still over: what the assessment lists at
# length goes down to its most important entry (a manager's reports' rhythm first), before the
# KPIs themselves go down to one.
LAST_RESORT: list[TrimStep] = [pop_last_fact("rhythm", "reports", keep=0), pop_last_fact("self_report_runs", keep=1),
                               pop_last_fact("blocker_threads", keep=1), pop_last("threads", keep=1),
                               pop_last_fact("goals", keep=0)]
