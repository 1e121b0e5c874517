"""The ``gate`` command line: parse options, call the library, map the Decision to an exit code.

No logic lives here. The one boundary where errors become exit codes is ``main``: a ``GateError``
prints one line and exits with its code; anything unexpected is a tool failure (exit 4), never a
pass.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from gates import __version__
from gates.errors import GateError, UsageError
from gates.model import Decision, SourceKind

if TYPE_CHECKING:
    from datetime import datetime

    from gates.engine import Request


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="draftgate")
def cli() -> None:
    """draftgate: hold AI-drafted changes to the checks their risk calls for."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Check the index against HEAD (the default).")
@click.option("--base", metavar="REF", help="Check what HEAD (or --head) adds since merge-base.")
@click.option("--head", metavar="REF", default="HEAD", show_default=True, help="Head of the range.")
@click.option("--pr", "pull_request", is_flag=True,
              help="Check the pull request in GITHUB_EVENT_PATH (GitHub Actions).")
@click.option("--policy", "policy_file", metavar="FILE", help="Policy file (default: .gate.yaml).")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "sarif", "markdown"]),
              default="terminal", show_default=True, help="Report format.")
@click.option("--explain", "--verbose", "-v", "explain", is_flag=True,
              help="List every file, every rule that matched and every note (the default "
                   "folds notes that block nothing into one line).")
@click.option("--no-cache", is_flag=True, help="Scan everything again; ignore cached results.")
@click.option("--sarif-output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the findings as SARIF 2.1.0 (for code scanning).")
@click.option("--comment", is_flag=True,
              help="With --pr: create or update the gate's one comment on the pull request.")
@click.option("--only-commands", is_flag=True,
              help="Run only the policy's command stages of the lane (the unprivileged job).")
# No dir_okay=False on these two: a directory where the log goes must not turn the decision into
# a usage error; append() and jsonl.write() refuse it with one line, and the decision stands.
@click.option("--audit-log", metavar="PATH", type=click.Path(),
              help="Append the decision to this log (default: $DRAFTGATE_AUDIT_LOG, else "
                   ".git/draftgate/audit.db).")
@click.option("--record-jsonl", metavar="FILE", type=click.Path(),
              help="Also append the decision's record to this JSON-lines file (a --pr run in "
                   "GitHub Actions writes $RUNNER_TEMP/draftgate-record.jsonl unless given).")
def check(paths: tuple[str, ...], staged: bool, base: str | None, head: str,
          pull_request: bool, policy_file: str | None, fmt: str, explain: bool,
          no_cache: bool, sarif_output: str | None, comment: bool, only_commands: bool,
          audit_log: str | None, record_jsonl: str | None) -> int:
    """Classify a change, run its lane, and exit with the decision's code.

    Exit codes: 0 pass, 1 blocked, 2 usage or policy error, 3 awaiting human approval,
    4 a check could not run.
    """
    from gates import engine
    from gates.report import render

    chosen = [name for name, on in (("PATHS", bool(paths)), ("--staged", staged),
                                    ("--base", base is not None), ("--pr", pull_request)) if on]
    if len(chosen) > 1:
        raise UsageError(f"choose one change source, not {' and '.join(chosen)}")
    if head != "HEAD" and base is None:
        raise UsageError("--head needs --base")
    if comment and not pull_request:
        raise UsageError("--comment needs --pr (it comments on the pull request)")
    if paths:
        kind = SourceKind.PATHS
    elif pull_request:
        kind = SourceKind.PULL_REQUEST
    elif base is not None:
        kind = SourceKind.RANGE
    else:
        kind = SourceKind.STAGED
    request = engine.Request(kind=kind, base=base, head=head, paths=paths,
                             policy_file=policy_file, use_cache=not no_cache,
                             event_path=os.environ.get("GITHUB_EVENT_PATH"),
                             event_name=os.environ.get("GITHUB_EVENT_NAME", "") if pull_request
                             else "", only_commands=only_commands)
    actions = os.environ.get("GITHUB_ACTIONS") == "true"
    started = time.perf_counter()
    with _json_errors(fmt), _quiet_log(actions, fmt) as out:
        decision = _decide(request, comment)
        if record_jsonl is None and pull_request and actions and os.environ.get("RUNNER_TEMP"):
            record_jsonl = str(Path(os.environ["RUNNER_TEMP"]) / "draftgate-record.jsonl")
        _record(decision, "check", started, decision.exit_code, audit_log, record_jsonl)
        try:
            render(fmt, decision, out, explain=explain)
            out.flush()
        except BrokenPipeError:
            # The reader went away (| head): the decision stands; say it with the exit code.
            _silence_stdout()
    if sarif_output:
        _write_report("sarif", decision, sarif_output)
    if actions or comment:
        from gates.github import publish

        # A JSON or SARIF document on stdout stays one document: the workflow commands go to
        # stderr, which the runner reads too.
        log = sys.stdout if fmt in ("terminal", "markdown") else sys.stderr
        publish.after_check(decision, os.environ, log, comment=comment, annotate=actions)
    return decision.exit_code


def _record(decision: Decision, command: str, started: float, exit_code: int,
            where: str | None = None, jsonl: str | None = None) -> None:
    """Append the decision to the log (gates.audit) and, when asked, to a JSON-lines file whose
    path becomes the step output ``record``. A record that cannot be written never changes the
    decision or its exit code: one line on stderr says so."""
    from gates.audit.log import ENV_VAR, AuditLogError, append, default_path, record_of

    if where is not None:
        path: Path | None = Path(where)
    elif decision.git_dir is not None or os.environ.get(ENV_VAR):
        path = default_path(Path(decision.git_dir or "."), os.environ)
    else:
        path = None  # explicit paths outside a repository: no log unless one is named
    in_ci = os.environ.get("GITHUB_ACTIONS") == "true"
    record = None
    try:
        record = record_of(decision, argv_source=command, exit_code=exit_code,
                           duration=time.perf_counter() - started,
                           repository=os.environ.get("GITHUB_REPOSITORY") if in_ci else None)
        if path is not None:
            append(path, record)
    except AuditLogError as exc:
        _error(f"gate: audit log not written: {exc}")
    except Exception as exc:  # a bug in the record must not change the decision either
        _error(f"gate: audit log not written: internal error: {type(exc).__name__}: {exc}")
    if record is not None:
        _offer(decision, command, exit_code, record)
    if jsonl is None or record is None:
        return
    from gates.audit import jsonl as records

    try:
        records.write(Path(jsonl), record)
        if in_ci:
            from gates.github.actions import set_output

            set_output(os.environ, "record", str(Path(jsonl).absolute()))
    except AuditLogError as exc:
        _error(f"gate: record file not written: {exc}")
    except Exception as exc:
        _error(f"gate: record file not written: internal error: {type(exc).__name__}: {exc}")


def _offer(decision: Decision, command: str, exit_code: int, record: dict[str, Any]) -> None:
    """Offer the decision to gates.quick for reuse, when nothing outside the key can change it:
    pass, block or pending, and no stage ran but SAST, the review (its verdict is cached by
    prompt anyway) and the approval. The dependency audit asks advisories and indexes that change
    by the hour; a command stage reads the working tree."""
    from gates import quick
    from gates.model import Outcome, StageStatus

    if command not in ("check", "hook pre-commit") or decision.git_dir is None or quick.unsure:
        return
    if decision.outcome not in (Outcome.PASS, Outcome.BLOCK, Outcome.PENDING):
        return
    if any(r.status is not StageStatus.SKIPPED and r.stage not in ("sast", "review", "approval")
           for r in decision.results):
        return
    quick.offered = {"git_dir": decision.git_dir, "code": exit_code, "record": record,
                     "executables": dict(quick.resolved), "files": sorted(quick.read_files)}


def _decide(request: Request, comment: bool) -> Decision:
    """``engine.check``; with ``--comment``, a failure to decide is said on the pull request too."""
    from gates import engine

    try:
        return engine.check(request)
    except GateError as exc:
        if comment:
            from gates.github.publish import after_error

            after_error(exc, os.environ)
        raise


@contextlib.contextmanager
def _quiet_log(actions: bool, fmt: str) -> Iterator[TextIO]:
    """In GitHub Actions, the report (which quotes the change) cannot issue workflow commands."""
    if not actions:
        yield sys.stdout
        return
    from gates.github.actions import json_safe, quiet_commands

    if fmt in ("json", "sarif"):
        yield json_safe(sys.stdout)  # stdout stays one JSON document
        return
    with quiet_commands(sys.stdout, os.environ):
        yield sys.stdout


def _write_report(fmt: str, decision: Decision, path: str) -> None:
    """Write the decision in one more format to a file (``--sarif-output``)."""
    import io

    from gates.report import render

    text = io.StringIO()
    render(fmt, decision, text)
    _write_text(path, text.getvalue())


@cli.command("review")
@click.option("--base", metavar="REF", help="Review what HEAD (or --head) adds since merge-base.")
@click.option("--head", metavar="REF", default="HEAD", show_default=True, help="Head of the range.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True, help="Report format.")
def review_command(base: str | None, head: str, fmt: str) -> int:
    """Run only the slow-model review on a change (the staged one without --base)."""
    from gates import engine
    from gates.report import render

    kind = SourceKind.RANGE if base is not None else SourceKind.STAGED
    started = time.perf_counter()
    decision = engine.review(engine.Request(kind=kind, base=base, head=head))
    _record(decision, "review", started, decision.exit_code)
    render(fmt, decision, sys.stdout)
    return decision.exit_code


@cli.command("log")
@click.option("--outcome", type=click.Choice(["pass", "block", "error", "pending",
                                              "tool-failure"]), help="Only this outcome.")
@click.option("--tier", metavar="TIER", help="Only changes of this tier.")
@click.option("--since", metavar="DATE", help="Only decisions from this date on (YYYY-MM-DD, UTC).")
@click.option("--path", "path_glob", metavar="GLOB",
              help="Only changes touching a path this glob selects (gitignore semantics).")
@click.option("--rule", metavar="RULE", help="Only decisions where this rule raised the tier or "
                                             "found something.")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="At most this many, newest first.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json"]), default="terminal",
              show_default=True, help="Report format.")
@click.option("--audit-log", metavar="PATH", type=click.Path(dir_okay=False),
              help="The log to read (default: $DRAFTGATE_AUDIT_LOG, else .git/draftgate/audit.db).")
def log_command(outcome: str | None, tier: str | None, since: str | None,
                path_glob: str | None, rule: str | None, limit: int, fmt: str,
                audit_log: str | None) -> int:
    """List recent decisions from the decision log (docs/record.md)."""
    from gates.audit.log import AuditLogError, default_path, read
    from gates.gitrepo import GitRepo

    with _json_errors(fmt):
        if audit_log is not None:
            path = Path(audit_log)
        else:
            path = default_path(Path(GitRepo(Path.cwd()).git_dir), os.environ)
        start = _day_option("--since", since)
        try:
            rows = read(path, since=start, outcome=outcome, tier=tier, path_glob=path_glob,
                        rule=rule, limit=limit)
        except AuditLogError as exc:
            raise UsageError(str(exc)) from None
    if fmt == "json":
        from gates.report.json import dumps

        _emit(dumps(rows), fmt)
        return 0
    _emit("".join(_log_line(row) for row in rows) or f"no decisions in {path}\n")
    return 0


def _log_line(row: dict[str, Any]) -> str:
    """One decision on one line. Every field is shown cleaned: paths and rules come from
    changes, and a row can come from whoever could write the log file."""
    from gates.report.untrusted import shown

    def text(value: Any, limit: int) -> str:
        return shown(str(value), limit)

    paths = [str(p) for p in row.get("paths") or [] if isinstance(p, str)]
    counts = (row.get("findings") or {}).get("blocking_by_rule") or {}
    blocking = sorted(((str(r), n) for r, n in counts.items() if type(n) is int),
                      key=lambda kv: (-kv[1], kv[0])) if isinstance(counts, dict) else []
    what = (paths[0] + (f" +{len(paths) - 1}" if len(paths) > 1 else "")) if paths else "-"
    why = f"  blocks: {', '.join(f'{r} x{n}' for r, n in blocking[:3])}" if blocking else ""
    source = row.get("source")
    kind = source.get("kind", "") if isinstance(source, dict) else ""
    return (f"{text(str(row.get('time', ''))[:19], 19).replace('T', ' ')}  "
            f"{text(row.get('outcome', ''), 12).upper():<12} exit {text(row.get('exit_code'), 4)}"
            f"  {text(row.get('tier', ''), 20):<7} {text(row.get('command', ''), 20):<16} "
            f"{text(kind, 20):<7} {shown(what + why, 160)}\n")


@cli.command("stats")
@click.argument("more", nargs=-1, type=click.Path(), metavar="[FILE]...")
@click.option("--since", metavar="DATE", help="From this date on (YYYY-MM-DD, UTC, inclusive).")
@click.option("--until", metavar="DATE", help="Before this date (YYYY-MM-DD, UTC, exclusive).")
@click.option("--from", "sources", multiple=True, type=click.Path(), metavar="FILE",
              help="Read JSON-lines records (files, or directories of *.jsonl) instead of the "
                   "log; FILE arguments after it are read too.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "markdown"]),
              default="terminal", show_default=True, help="Summary format.")
@click.option("--html", "html_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the summary as one self-contained HTML page.")
@click.option("--audit-log", metavar="PATH", type=click.Path(dir_okay=False),
              help="The log to read (default: $DRAFTGATE_AUDIT_LOG, else .git/draftgate/audit.db).")
def stats_command(more: tuple[str, ...], since: str | None, until: str | None,
                  sources: tuple[str, ...], fmt: str, html_file: str | None,
                  audit_log: str | None) -> int:
    """Summarise a period of decisions: tiers, lanes, blocks, rules, stage times, model cost,
    approvals (docs/record.md)."""
    from gates.audit.log import AuditLogError
    from gates.audit.read import load

    with _json_errors(fmt):
        if more and not sources:
            raise UsageError(f"unexpected argument {more[0]!r}: files are read with "
                             f"--from FILE...")
        if sources and audit_log is not None:
            raise UsageError("choose one source: --from FILE... or --audit-log PATH")
        start, end = _day_option("--since", since), _day_option("--until", until)
        try:
            doc = load(files=[Path(f) for f in (*sources, *more)],
                       log=None if audit_log is None else Path(audit_log), since=start, until=end)
        except AuditLogError as exc:
            raise UsageError(str(exc)) from None
        if html_file is not None:
            from gates.audit.html import page

            _write_text(html_file, page(doc))
    if fmt == "json":
        from gates.report.json import dumps

        _emit(dumps(doc), fmt)
    else:
        from gates.audit import views

        _emit(views.markdown(doc) if fmt == "markdown" else views.terminal(doc), fmt)
    return 0


def _day_option(name: str, value: str | None) -> datetime | None:
    from datetime import UTC, datetime

    try:
        return None if value is None else datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise UsageError(f"{name} {value!r}: expected a date, YYYY-MM-DD") from None


def _write_text(path: str, text: str) -> None:
    """Write a file the command was asked for. A symbolic link is not followed: in a pull-request
    run the work tree is the pull request's, and a link it plants where a report goes would aim
    the write anywhere."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        why = "it is a symbolic link" if Path(path).is_symlink() else exc.strerror or str(exc)
        raise UsageError(f"cannot write {path}: {why}") from None


@cli.command("replay")
@click.option("--since", required=True, metavar="REF|DATE",
              help="Start after this revision, or at this date (YYYY-MM-DD, '6 months ago').")
@click.option("--until", default="HEAD", show_default=True, metavar="REF",
              help="Newest commit of the range.")
@click.option("--policy", "policy_file", metavar="FILE",
              help="Replay with this policy (default: .gate.yaml at --until, else the default).")
@click.option("--compare", "compare_file", metavar="FILE",
              help="Replay with this policy too, side by side, listing commits whose tier changed.")
@click.option("--max", "max_count", type=int, metavar="N", help="At most N commits, newest first.")
@click.option("--git-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="The repository to read (a bare one works); default: the current one.")
@click.option("--format", "fmt", type=click.Choice(["terminal", "json", "csv"]),
              default="terminal", show_default=True, help="Report format.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Processes to classify with (default: the usable cores; a range under 1,000 "
                   "commits uses one).")
def replay_command(since: str, until: str, policy_file: str | None, compare_file: str | None,
                   max_count: int | None, git_dir: str | None, fmt: str,
                   jobs: int | None) -> int:
    """Classify every non-merge commit of a range, as the policy would have (no scanners, no
    models): commits per tier and lane, the share sent to the slow lane, the rules that raised
    tiers, and one row per commit.
    """
    from gates import history, proc, replay
    from gates.gitrepo import GitRepo
    from gates.policy import source
    from gates.report import replay as report

    with _json_errors(fmt):
        repo = GitRepo(git_dir or Path.cwd(), git_dir=git_dir is not None)
        selected = history.span(repo, since, until, max_count)
        policies = source.for_replay(repo, selected.until, policy_file, compare_file)
        with report.progress(sys.stderr, lambda: history.count(repo, selected)) as advance:
            result = replay.replay(repo, selected, policies, advance,
                                   jobs=jobs or proc.cores())
    try:
        report.render(fmt, result, sys.stdout, since=since, until=until)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return 0


@cli.command("learn")
@click.option("--until", default="HEAD", show_default=True, metavar="REV",
              help="Learn from the history up to this commit (included).")
@click.option("--git-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="The repository to read (a bare one works); default: the current one.")
@click.option("--offline-db", metavar="PATH", type=click.Path(),
              help="An OSV advisory database folder (PyPA advisory-database layout): the "
                   "commits it names as fixes count too.")
@click.option("--output", metavar="FILE",
              help="Where to write the fragment ('-': stdout). Default: .gate/hotspots.yaml "
                   "(.json) at the repository's root.")
@click.option("--package", "packages", multiple=True, metavar="NAME",
              help="This repository's PyPI name (repeatable); default: read from its metadata.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="Fragment format.")
def learn_command(until: str, git_dir: str | None, offline_db: str | None, output: str | None,
                  packages: tuple[str, ...], fmt: str) -> int:
    """Learn security hotspots from the history: the functions and files past security fixes
    changed, written as a policy fragment for a team to review, commit and name with
    'hotspots:'.
    """
    from gates.gitrepo import GitRepo
    from gates.learn import fragment, report
    from gates.learn.advisories import AdvisoryDB
    from gates.learn.miner import learn
    from gates.learn.package import valid_name

    bad = [p for p in packages if not valid_name(p)]
    if bad:
        raise UsageError(f"--package {bad[0]!r} is not a package name")
    if offline_db is not None and not Path(offline_db).is_dir():
        raise UsageError(f"--offline-db {offline_db}: no such folder")
    repo = GitRepo(git_dir or Path.cwd(), git_dir=git_dir is not None)
    db = AdvisoryDB(Path(offline_db)) if offline_db is not None else None
    learned = learn(repo, until, db, packages)
    text = fragment.render(learned, fmt)
    named = Path(fragment.DEFAULT_OUTPUT).with_suffix(f".{fmt}").as_posix()
    if output == "-":
        written, log = "stdout", sys.stderr
        _emit(text)
    else:
        root = Path.cwd() if repo.bare else repo.root
        target = Path(output) if output else root / named
        fragment.write(text, target, inside=None if output else root)
        written, log = str(target), sys.stdout
        if target.resolve().is_relative_to(root.resolve()):
            named = target.resolve().relative_to(root.resolve()).as_posix()
    for line in report.warnings(learned):
        click.echo(line, err=True)
    for line in report.summary(learned, written, named):
        click.echo(line, file=log)
    return 0


@cli.group()
def hook() -> None:
    """Entry points for git hooks (the pre-commit framework or plain git hooks)."""


@hook.command("pre-commit")
@click.option("--verbose", is_flag=True, help="Print the report on a clean pass too.")
@click.option("--no-cache", is_flag=True, help="Scan everything again; ignore cached results.")
def hook_pre_commit(verbose: bool, no_cache: bool) -> int:
    """Check the staged change; quiet on a pass."""
    from gates import engine, hooks

    started = time.perf_counter()
    decision, loaded = engine.judge(engine.Request(kind=SourceKind.STAGED,
                                                   use_cache=not no_cache))
    code = hooks.exit_code(decision, loaded)
    _record(decision, "hook pre-commit", started, code)
    hooks.report(decision, loaded, sys.stdout, verbose=verbose)
    return code


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
@click.option("--verbose", is_flag=True, help="Print the report on a clean pass too.")
def hook_pre_push(remote: str | None, url: str | None, verbose: bool) -> int:
    """Check every range being pushed (pre-commit's refs, or git's pre-push input)."""
    from gates import engine, hooks
    from gates.gitrepo import GitRepo

    del remote, url  # git passes them; the refs on stdin (or pre-commit's) say what is pushed
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    worst = 0
    for pushed in hooks.push_ranges(GitRepo(Path.cwd()), os.environ, stdin):
        started = time.perf_counter()
        decision, loaded = engine.judge(engine.Request(kind=SourceKind.RANGE, base=pushed.base,
                                                       head=pushed.head))
        code = hooks.exit_code(decision, loaded)
        _record(decision, "hook pre-push", started, code)
        hooks.report(decision, loaded, sys.stdout, verbose=verbose)
        worst = code if worst == 0 or (code and code > worst) else worst
    return worst


@cli.command("install-hooks")
@click.option("--force", is_flag=True,
              help="Replace a hook draftgate did not write (kept as .legacy).")
def install_hooks(force: bool) -> int:
    """Install plain git pre-commit and pre-push hooks (for teams without pre-commit)."""
    from gates import install
    from gates.gitrepo import GitRepo

    for line in install.install(GitRepo(Path.cwd()), force=force):
        click.echo(line)
    return 0


@cli.command("uninstall-hooks")
def uninstall_hooks() -> int:
    """Remove draftgate's git hooks (and only those)."""
    from gates import install
    from gates.gitrepo import GitRepo

    for line in install.uninstall(GitRepo(Path.cwd())) or ["no draftgate hooks installed"]:
        click.echo(line)
    return 0


@cli.command()
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@click.option("--github", is_flag=True,
              help="Write the GitHub Actions workflows for pull requests instead.")
def init(force: bool, github: bool) -> int:
    """Write a starter .gate.yaml and .pre-commit-config.yaml at the repository root (with
    --github: .github/workflows/draftgate.yml and draftgate-commands.yml)."""
    from gates.gitrepo import GitRepo

    root = GitRepo(Path.cwd()).root
    if github:
        from gates.github.workflow import write_workflow

        lines = write_workflow(root, force=force)
    else:
        from gates import install

        lines = install.init(root, force=force)
    for line in lines:
        click.echo(line)
    return 0


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--policy", "policy_file", metavar="FILE", help="Policy file (default: .gate.yaml).")
def explain(paths: tuple[str, ...], policy_file: str | None) -> int:
    """Show each file's tier and every rule that matched it, with the pattern and the line."""
    from gates import engine
    from gates.report.terminal import render_explain

    request = engine.Request(kind=SourceKind.PATHS, paths=paths, policy_file=policy_file)
    render_explain(engine.explain(request), sys.stdout)
    return 0


@cli.group()
def policy() -> None:
    """Validate or show the policy."""


@policy.command("validate")
@click.argument("file", required=False, type=click.Path())
def policy_validate(file: str | None) -> int:
    """Check a policy file and say what is wrong, with file, line and key.

    Without FILE: the .gate.yaml at the root of this repository, as it is on disk (the file you are
    editing; gate check reads the committed one).
    """
    from gates.policy import source

    target = file or str(source.on_disk(Path.cwd()))
    loaded = source.from_file(target)
    click.echo(f"{target}: valid ({len(loaded.categories)} categories, "
               f"tiers {' < '.join(loaded.tiers)})")
    if file is None:
        click.echo(_in_effect(loaded.digest))
    return 0


def _in_effect(digest: str) -> str:
    """Whether the file just validated is the policy that judges: editing it is not enough."""
    from gates import engine

    judging = engine.policy_for(engine.Request(kind=SourceKind.STAGED))
    if judging.digest == digest:
        return ("in effect: gate check judges with this policy, as committed at HEAD (a pull "
                "request is judged by its base branch's copy)")
    return (f"not in effect yet: gate check judges with {judging.origin}, since the policy that "
            "judges is read from the side a change cannot edit; commit this file for it to judge "
            "your next commits, and merge it for it to judge pull requests")


@policy.command("show")
@click.option("--policy", "policy_file", metavar="FILE", help="Show this file's effective policy.")
def policy_show(policy_file: str | None) -> int:
    """Print the effective policy (after extends:) as YAML.

    Without --policy: the policy `gate check --staged` would use here, that is the .gate.yaml
    committed at HEAD, or the default.
    """
    import yaml

    from gates import engine
    from gates.model import SourceKind
    from gates.policy import source

    if policy_file:
        loaded = source.from_file(policy_file)
    else:
        loaded = engine.policy_for(engine.Request(kind=SourceKind.STAGED))
    click.echo(f"# effective policy from {loaded.origin} (sha256 {loaded.digest[:16]})")
    click.echo(yaml.safe_dump(dict(loaded.data), sort_keys=False, allow_unicode=True), nl=False)
    return 0


@contextlib.contextmanager
def _json_errors(fmt: str) -> Iterator[None]:
    """A consumer of ``--format json`` always gets a document, an error one if need be; the
    error itself still reaches ``main`` for its one line on stderr and its exit code."""
    try:
        yield
    except GateError as exc:
        if fmt == "json":
            from gates.report.json import error_document

            _emit(error_document(exc), fmt)
        raise


def _emit(document: str, fmt: str = "terminal") -> None:
    """Print a document whose text came from changes, records or a log: in GitHub Actions it
    cannot issue workflow commands (``fmt`` json: escaped, else commands stopped around it)."""
    try:
        with _quiet_log(os.environ.get("GITHUB_ACTIONS") == "true", fmt) as out:
            out.write(document)
            out.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    # Point stdout at /dev/null so Python's own flush at exit does not fail a second time.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _Stopped(KeyboardInterrupt):
    """A stop signal, carried to ``main`` (click turns it into ``Abort``, keeping it as cause)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _on_stop_signal(signum: int, _frame: Any) -> None:
    # The scanners run in sessions of their own (a timeout kills their whole group), so neither a
    # terminal's Ctrl-C nor a runner's SIGTERM reaches them: kill them here, before unwinding waits.
    from gates import proc

    proc.stop_all()
    raise _Stopped(signum)


@contextlib.contextmanager
def _stop_signals_kill_tools() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from gates import proc

    previous: dict[signal.Signals, Callable[[int, Any], Any] | int | None] = {}
    for number in _STOP_SIGNALS:
        previous[number] = signal.signal(number, _on_stop_signal)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        proc.STOPPING.clear()


def _stop_code(exc: BaseException) -> int:
    """128 + the signal's number, as a shell reports a process a signal ended (130 for Ctrl-C)."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, _Stopped):
        cause = cause.__cause__ or cause.__context__
    return 128 + (cause.signum if isinstance(cause, _Stopped) else signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and turn every failure into one line and an exit code."""
    with _stop_signals_kill_tools():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="gate", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as exc:
        _error(f"gate: error: {exc.format_message()}")
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        code = _stop_code(exc)
        name = signal.Signals(code - 128).name
        click.echo(f"gate: aborted ({name}): no decision was made", err=True)
        return code
    except GateError as exc:
        label = "tool failure" if exc.exit_code == 4 else "error"
        _error(f"gate: {label}: {exc}")
        return exc.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return 4  # output was cut before a decision could be given
    except Exception as exc:
        if os.environ.get("GATE_DEBUG"):
            raise
        _error(f"gate: tool failure: internal error: {type(exc).__name__}: {exc} "
               "(set GATE_DEBUG=1 for a traceback)")
        return 4
    return result if isinstance(result, int) else 0


def _error(line: str) -> None:
    """One line on stderr; paths and git messages in it are untrusted, so escape control codes."""
    from gates.report.safe import clean

    line = clean(line)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # The runner reads a legacy "##[command]" anywhere in a line, stderr included.
        line = line.replace("##[", "##\\x5b")
    click.echo(line, err=True)
