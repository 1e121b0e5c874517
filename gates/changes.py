"""Build a ``ChangeSet`` from git: the staged index, a base..head range, a pull request, or paths.

Content always comes from git's objects (the index for ``--staged``, commits for ranges), never from
the working tree, so a partially staged file is judged on exactly what will be committed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gates.decode import is_python, needs_view, view
from gates.diff import (
    DIFF_ARGS,
    DIFF_CONFIG,
    RAW_ARGS,
    decode_path,
    parse,
    parse_records,
    resolve_link,
)
from gates.errors import GitError, UsageError
from gates.gitrepo import GitRepo
from gates.hunks import whole_file_patch
from gates.model import (
    MODE_EXECUTABLE,
    MODE_SUBMODULE,
    MODE_SYMLINK,
    ChangedFile,
    ChangeSet,
    FileStatus,
    Source,
    SourceKind,
)

# Which paths need their full text on both sides (for Python symbol scopes); decided by the policy.
WantText = Callable[[str], bool]

_BINARY_SNIFF = 8000  # git's own heuristic: a NUL byte in the first 8000 bytes means binary.
TEXT_LIMIT = 1 << 20  # blobs git calls binary but that may be text are re-checked up to this size
_REGULAR = frozenset({"100644", MODE_EXECUTABLE})
_LFS = b"git-lfs.github.com/spec/"  # a Git LFS pointer's first line: the content is elsewhere


def staged(repo: GitRepo, want_text: WantText | None = None) -> ChangeSet:
    """The index against HEAD (against the empty tree before the first commit)."""
    if repo.bare:
        raise UsageError("a bare repository has no index to check: use --base and --head")
    head = repo.resolve("HEAD")
    with repo.attributes_from_index():
        files = _diff(repo, ["--cached", head or repo.empty_tree()], want_text)
    unmerged = [f.path for f in files if f.status is FileStatus.UNMERGED]
    if unmerged:
        # git refuses to commit in this state too; judging half a merge would be a guess.
        raise GitError(f"the index has unmerged paths ({', '.join(unmerged[:3])}"
                       f"{', …' if len(unmerged) > 3 else ''}): resolve the conflict first")
    source = Source(SourceKind.STAGED, base=head, head=None, branch=repo.branch())
    return ChangeSet(files, source)


def commit_range(repo: GitRepo, base: str, head: str = "HEAD", *,
                 want_text: WantText | None = None, kind: SourceKind = SourceKind.RANGE,
                 branch: str | None = None, pr_number: int | None = None) -> ChangeSet:
    """What merging ``head`` into ``base`` would bring: merge-base(base, head)..head."""
    head_sha = repo.commit(head)
    if base == repo.empty_tree():  # a push of brand-new history: everything in it is new
        files = _diff(repo, [base, head_sha], want_text)
        source = Source(kind, base=None, head=head_sha, merge_base=None, branch=branch)
        return ChangeSet(files, source, repo.commits(head_sha, head_sha, whole=True))
    base_sha = repo.commit(base)
    merge_base = repo.text("merge-base", base_sha, head_sha, ok_codes=(0, 1))
    if not merge_base:
        if repo.is_shallow():
            raise GitError(
                f"the merge base of {base} and {head} is not in this shallow clone: fetch more "
                "history (actions/checkout with 'fetch-depth: 0', or 'git fetch --unshallow')")
        raise GitError(f"{base} and {head} have no common history")
    files = _diff(repo, [merge_base, head_sha], want_text)
    if merge_base != base_sha:
        files = _landing(repo, merge_base, base_sha, files)
    if branch is None and head != "HEAD" and repo.resolve(f"refs/heads/{head}"):
        branch = head
    elif branch is None and head == "HEAD":
        branch = repo.branch()
    source = Source(kind, base=base_sha, head=head_sha, merge_base=merge_base, branch=branch,
                    pr_number=pr_number)
    return ChangeSet(files, source, repo.commits(merge_base, head_sha))


def _landing(repo: GitRepo, merge_base: str, base: str,
             files: tuple[ChangedFile, ...]) -> tuple[ChangedFile, ...]:
    """Where each changed path lands when merged into a base that has moved on.

    A branch cut before the base renamed ``legacy/x.py`` to ``auth/x.py`` edits ``legacy/x.py``;
    git's merge applies the edit to ``auth/x.py``. The change is judged at both paths.
    """
    moved = {r.old_path: r.path for r in parse_records(repo.run(
        *DIFF_CONFIG, "diff", "--raw", "-z", "-M", "--no-abbrev", merge_base, base, "--"))
        if r.status is FileStatus.RENAMED and r.old_path}
    if not moved:
        return files
    return tuple(replace(f, lands_at=tuple(dict.fromkeys(
        moved[p] for p in (f.path, f.old_path) if p in moved))) if
        any(p in moved for p in (f.path, f.old_path) if p) else f for f in files)


@dataclass(frozen=True, slots=True)
class PullRequestEvent:
    """The parts of GitHub's pull_request event payload the gate uses.

    Only facts a re-run may replay are read from it (which pull request, which commits); labels,
    authors and permissions are read live from the API (gates/github/approval.py).
    """

    base: str
    head: str
    branch: str | None
    number: int | None
    repository: str | None = None  # "owner/name" of the base repository
    action: str | None = None  # opened, synchronize, labeled...
    updated_at: str | None = None  # the pull request's updated_at at the event (a push time)


def read_event(event_path: str | None) -> PullRequestEvent:
    """Read ``GITHUB_EVENT_PATH`` (pull_request and pull_request_target events)."""
    if not event_path:
        raise UsageError("--pr needs GITHUB_EVENT_PATH (set by GitHub Actions)")
    try:
        event = json.loads(Path(event_path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event payload {event_path}: {exc}") from None
    pr = event.get("pull_request") if isinstance(event, dict) else None
    try:
        base, head = pr["base"]["sha"], pr["head"]["sha"]  # type: ignore[index]
        branch = pr["head"].get("ref")  # type: ignore[index]
        number = pr.get("number")  # type: ignore[union-attr]
    except (TypeError, KeyError, AttributeError):
        raise UsageError(f"{event_path} is not a pull_request or pull_request_target event "
                         "(no pull_request.base.sha / head.sha)") from None
    if not (isinstance(base, str) and isinstance(head, str)):
        raise UsageError(f"{event_path}: pull_request.base.sha and head.sha must be strings")
    repository = _text(event.get("repository"), "full_name") \
        or _text(pr["base"].get("repo"), "full_name")  # type: ignore[index]
    return PullRequestEvent(base, head, branch if isinstance(branch, str) else None,
                            number if isinstance(number, int) else None,
                            repository=repository,
                            action=_text(event, "action"),
                            updated_at=_text(pr, "updated_at"))


def _text(mapping: object, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and value else None


def pull_request(repo: GitRepo, event: PullRequestEvent,
                 want_text: WantText | None = None) -> ChangeSet:
    """The change of the pull request described by GitHub's event payload (``read_event``)."""
    for sha, side in ((event.base, "base"), (event.head, "head")):
        if repo.resolve(sha) is None:
            raise GitError(f"the pull request's {side} commit {sha} is not in this clone: fetch "
                           "it (actions/checkout with 'fetch-depth: 0')")
    return commit_range(repo, event.base, event.head, want_text=want_text,
                        kind=SourceKind.PULL_REQUEST, branch=event.branch, pr_number=event.number)


def paths(root: Path, targets: Iterable[str], repo: GitRepo | None = None) -> ChangeSet:
    """Whole files as they are on disk, every line counted as added."""
    files = []
    for relative in _expand(root, targets, repo):
        files.append(_whole_file(root, relative))
    return ChangeSet(tuple(files), Source(SourceKind.PATHS, branch=repo.branch() if repo else None))


def _diff(repo: GitRepo, revs: list[str],
          want_text: WantText | None = None) -> tuple[ChangedFile, ...]:
    """The change between ``revs``, with full text attached where ``want_text`` asks for it.

    Blob ids come from a raw-only diff (milliseconds), so ``git cat-file --batch`` reads the texts
    while the patch diff runs: on a large change the two take about the same time.
    """
    full = [*DIFF_CONFIG, "diff", *DIFF_ARGS, *revs, "--"]
    if want_text is None:
        return consumer_views(repo.blobs, repo.sizes,
                              recheck_binary(repo, revs, parse(repo.run(*full))))
    raw = repo.run(*DIFF_CONFIG, "diff", *RAW_ARGS, *revs, "--")
    wanted = [blob for record in parse_records(raw)
              if record.text_kind and want_text(record.path)
              for blob in (record.old_blob, record.new_blob) if blob]
    with ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(repo.blobs, wanted)
        files = recheck_binary(repo, revs, parse(repo.run(*full)))
        blobs = reading.result()
    if blobs:
        files = tuple(
            replace(f, old_text=blobs.get(f.old_blob or ""), new_text=blobs.get(f.new_blob or ""))
            if f.has_text and want_text(f.path) else f
            for f in files
        )
    return consumer_views(repo.blobs, repo.sizes, files)


def consumer_views(read: Callable[[list[str]], dict[str, bytes]],
                   sizes: Callable[[list[str]], dict[str, int]],
                   files: tuple[ChangedFile, ...]) -> tuple[ChangedFile, ...]:
    """Re-read the files whose consumers read them differently from git (``gates.decode``).

    UTF-16/32 text (pip reads it; git calls it binary), UTF-8 with a NUL, a Python coding
    declaration, a notebook's code cells: the file's hunks are rebuilt from the decoded text of
    both sides, so content rules, symbols and reports see what runs. A file that decodes as
    nothing stays binary (opaque), with the reason in ``view``.
    """
    wanted = [f for f in files if f.status is not FileStatus.UNMERGED
              and bool({f.old_mode, f.new_mode} & _REGULAR)
              and (f.binary or needs_view(f.path) or _LFS in f.patch[:256])]
    if not wanted:
        return files
    missing = [b for f in wanted for b, text in ((f.old_blob, f.old_text), (f.new_blob, f.new_text))
               if b and text is None]
    big = {b for b, n in sizes(missing).items() if n > TEXT_LIMIT} if missing else set()
    blobs = read([b for b in missing if b not in big]) if missing else {}
    redone = {}
    for f in wanted:
        sides = [(f.old_path or f.path, f.old_blob, f.old_text, f.old_mode),
                 (f.path, f.new_blob, f.new_text, f.new_mode)]
        contents = [(path, text if text is not None else blobs.get(blob or ""), mode)
                    for path, blob, text, mode in sides]
        if any(mode in _REGULAR and content is None and blob
               for (_, content, mode), (_, blob, _, _) in zip(contents, sides, strict=True)):
            if f.binary:
                redone[f.path] = replace(f, view=f"larger than {TEXT_LIMIT >> 20} MiB: not read")
            continue
        views = [view(path, content, binary=f.binary) if content is not None and mode in _REGULAR
                 else None for path, content, mode in contents]
        if all(v is None for v in views):
            new = contents[1][1]
            if f.new_text is None and new is not None and is_python(f.path, new):
                redone[f.path] = replace(f, new_text=new)  # a script: judged as Python
            continue
        opaque = next((v for v in views if v is not None and v.text is None), None)
        if opaque is not None:
            redone[f.path] = replace(f, binary=True, patch=b"", added=0, removed=0,
                                     view=opaque.how)
            continue
        texts = [v.text if v is not None and v.text is not None
                 else content.decode("utf-8", "replace") if content is not None
                 and mode in _REGULAR else ""
                 for v, (_, content, mode) in zip(views, contents, strict=True)]
        patch, added, removed = text_patch(texts[0], texts[1])
        new_view = views[1] or views[0]
        hidden = next((v.encoding for v in views if v is not None and v.hides), "")
        redone[f.path] = replace(f, binary=False, patch=patch, added=added, removed=removed,
                                 view=new_view.how if new_view else "", hidden_coding=hidden)
    return tuple(redone.get(f.path, f) for f in files)


def text_patch(old: str, new: str) -> tuple[bytes, int, int]:
    """Hunks (git's unified format, three lines of context) between two decoded texts.

    Lines are split at ``\n`` only, as git numbers them, so every line number the gate reports
    for a decoded file means the same as for any other file.
    """
    a, b = _lines(old), _lines(new)
    out = []
    added = removed = 0
    import difflib  # only decoded files need it: off the hook's usual path

    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(f" {line}" for line in a[i1:i2])
                continue
            out.extend(f"-{line}" for line in a[i1:i2])
            out.extend(f"+{line}" for line in b[j1:j2])
            removed += i2 - i1
            added += j2 - j1
    patch = "\n".join(out) + "\n" if out else ""
    return patch.encode("utf-8", "surrogateescape"), added, removed


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _range(start: int, stop: int) -> str:
    """git's ``start,count`` (a count of 0 names the line before, as git and difflib write)."""
    count = stop - start
    return f"{start + 1},{count}" if count else f"{start},0"


def recheck_binary(repo: GitRepo, revs: list[str],
                     files: tuple[ChangedFile, ...]) -> tuple[ChangedFile, ...]:
    """Second-guess git's "binary" verdicts, which the repository can steer.

    A ``-diff`` or ``binary`` attribute, a diff driver marked binary, or ``core.bigFileThreshold``
    makes git print "Binary files differ" for plain text, which would hide its lines from every
    content rule. The gate applies git's own content test instead (a NUL byte in the first 8000
    bytes) to blobs up to ``TEXT_LIMIT`` and re-diffs the ones that are really text with ``--text``.
    """
    suspects = [f for f in files if f.binary]
    if not suspects:
        return files
    ids = [b for f in suspects for b in (f.old_blob, f.new_blob) if b]
    sizes = repo.sizes(ids)
    small = [f for f in suspects
             if all(sizes.get(b, TEXT_LIMIT + 1) <= TEXT_LIMIT for b in (f.old_blob, f.new_blob)
                    if b)]
    blobs = repo.blobs(b for f in small for b in (f.old_blob, f.new_blob) if b)
    texts = [f for f in small
             if not any(b"\0" in blobs.get(b, b"\0")[:_BINARY_SNIFF]
                        for b in (f.old_blob, f.new_blob) if b)]
    if not texts:
        return files
    specs = [f":(literal){p}" for f in texts for p in (f.old_path, f.path) if p]
    redone = {f.path: f for f in parse(repo.run(*DIFF_CONFIG, "diff", *DIFF_ARGS, "--text", *revs,
                                                "--", *specs))}
    return tuple(redone.get(f.path, f) if f in texts else f for f in files)


def _expand(root: Path, targets: Iterable[str], repo: GitRepo | None) -> list[str]:
    out: list[str] = []
    for target in targets:
        full = Path(target).absolute()
        try:
            relative = full.relative_to(root.absolute()).as_posix()
        except ValueError:
            raise UsageError(f"{target} is outside the repository {root}") from None
        if full.is_symlink() or full.is_file():
            out.append(relative)
        elif full.is_dir():
            out.extend(_list_dir(root, full, repo))
        else:
            raise UsageError(f"no such file: {target}")
    return list(dict.fromkeys(out))


def _list_dir(root: Path, directory: Path, repo: GitRepo | None) -> list[str]:
    if repo is not None:
        listed = repo.run("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                          str(directory))
        # The index also lists files deleted from disk (nothing to read: skip them) and
        # submodules (directories: judged as submodules by _whole_file).
        return [p for p in (decode_path(raw) for raw in listed.split(b"\0") if raw)
                if (root / p).exists() or (root / p).is_symlink()]
    found: list[str] = []
    for parent, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != ".git"]
        found.extend((Path(parent) / n).relative_to(root).as_posix() for n in names)
    return sorted(found)


def _whole_file(root: Path, relative: str) -> ChangedFile:
    full = root / relative
    if full.is_dir() and not full.is_symlink():
        return ChangedFile(path=relative, status=FileStatus.ADDED, new_mode=MODE_SUBMODULE)
    if full.is_symlink():
        target = os.readlink(full)
        return ChangedFile(path=relative, status=FileStatus.ADDED, new_mode=MODE_SYMLINK,
                           link_targets=(resolve_link(relative, target),))
    try:
        content = full.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {relative}: {exc.strerror}") from None
    mode = MODE_EXECUTABLE if os.access(full, os.X_OK) else "100644"
    binary = b"\0" in content[:_BINARY_SNIFF]
    patch = b"" if binary else whole_file_patch(content)
    file = ChangedFile(path=relative, status=FileStatus.ADDED, new_mode=mode, patch=patch,
                       added=patch.count(b"\n+"), new_text=content, binary=binary)
    return consumer_views(_unused, _unused, (file,))[0]


def _unused(ids: list[str]) -> dict[str, Any]:
    """A file from disk has its content already: nothing is read from git."""
    return {}

