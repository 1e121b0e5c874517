"""Requirements files read the way pip reads them.

pip decodes the bytes (a byte-order mark, then a ``# -*- coding`` line, then UTF-8, then the
locale), splits lines with ``str.splitlines`` (form feeds and U+2028 end lines too), joins
continuation lines, drops comments, and hands each logical line's options to ``optparse`` with its
own option table. optparse accepts any unambiguous prefix of a long option (``--extra`` is
``--extra-index-url``) and values attached to short options (``-ihttps://…``), so a hand-written
matcher sees a requirement or nothing where pip sees a package index. This module runs the same
optparse over a copy of pip's table, and gives each requirement to pip-requirements-parser (pip's
requirement construction) to tell a name and version from a URL, a VCS checkout or a local path.

Mirrors ``pip/_internal/req/req_file.py`` of pip 26 (``tests/test_sources.py`` compares the option
table with the installed pip's); pip itself is never imported at run time.
"""

from __future__ import annotations

import codecs
import optparse
import os
import posixpath
import re
import shlex
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from gates.manifests import (
    Include,
    Manifest,
    Problem,
    Requirement,
    Source,
    exact_version,
    normalize,
)

# pip 26's requirement-file options (SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ): (flags, dest,
# takes a value). Prefix matching depends on the whole table, so options that do not matter here
# are listed too: without --no-require-hashes, "--no-r" would wrongly look unambiguous.
OPTIONS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("-i", "--index-url", "--pypi-url"), "index_url", True),
    (("--extra-index-url",), "extra_index_urls", True),
    (("--no-index",), "no_index", False),
    (("-c", "--constraint"), "constraints", True),
    (("-r", "--requirement"), "requirements", True),
    (("-e", "--editable"), "editables", True),
    (("-f", "--find-links"), "find_links", True),
    (("--no-binary",), "no_binary", True),
    (("--only-binary",), "only_binary", True),
    (("--prefer-binary",), "prefer_binary", False),
    (("--require-hashes",), "require_hashes", False),
    (("--no-require-hashes",), "no_require_hashes", False),
    (("--pre",), "pre", False),
    (("--all-releases",), "all_releases", True),
    (("--only-final",), "only_final", True),
    (("--trusted-host",), "trusted_hosts", True),
    (("--use-feature",), "features_enabled", True),
    (("--hash",), "hashes", True),
    (("-C", "--config-settings"), "config_settings", True),
)
# Option dest -> the source kind it sets (pip's finder and session read these).
SOURCE_OPTIONS = {"index_url": "index-url", "extra_index_urls": "extra-index-url",
                  "find_links": "find-links", "trusted_hosts": "trusted-host"}

_BOMS = (  # pip's order: UTF-16-LE's mark is a prefix of UTF-32-LE's
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{[A-Z0-9_]+\}")
_SCHEME = re.compile(r"^(http|https|file):", re.IGNORECASE)
# A requirement as a line of a requirements file starts: a name, then extras, a version, "@" or ";".
_SPEC = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?(?:[=<>!~@;(].*)?$|"
                   r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
# What makes such a line a requirement rather than a word or a KEY=value: a PEP 440 operator, "@"
# before a URL, or a URL.
_VERSIONED = re.compile(r"===?|[<>!~]=|[<>]|@\s*[A-Za-z][\w+.-]*:|^[A-Za-z][\w+.-]*://")
# A local path pip installs from (``.``, ``./pkg``, ``../x.whl``, ``C:\\x``): one token.
_PATHLIKE = re.compile(r"^(?:[.~/\\]|[A-Za-z]:[/\\])\S*$")


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text pip would read, and why it may read it differently (empty when it cannot)."""

    text: str
    doubt: str = ""


def decode(data: bytes) -> Decoded:
    """Decode like pip's ``_decode_req_file``.

    Where pip falls back to the installer's locale, the gate cannot know that locale: the text is
    read as Latin-1 (so options and URLs in ASCII still show) and the doubt says why.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], encoding, f"a {encoding} byte-order mark")
    for line in data.split(b"\n")[:2]:
        if line[0:1] == b"#":
            found = _CODING.search(line)
            if found is not None:
                name = found.group(1).decode("ascii")
                return _strict(data, name, f"its coding line ({name})")
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "it is not UTF-8 and declares no encoding: pip "
                       "decodes it with the installing machine's locale, unknown to the gate")


def _strict(data: bytes, encoding: str, why: str) -> Decoded:
    try:
        return Decoded(data.decode(encoding))
    except (LookupError, UnicodeDecodeError) as exc:
        return Decoded(data.decode("latin-1"), f"pip cannot decode it as {why} says: {exc}")


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """pip's ``preprocess`` without the environment: (first line number, line), comments gone.

    ``${VAR}`` references stay as written: their values belong to the installing machine.
    """
    first: int | None = None
    parts: list[str] = []
    joined: list[tuple[int, str]] = []
    newlines = 0
    for piece in text.splitlines(keepends=True):
        # pip splits at form feeds, U+2028 and friends too; git and editors number lines by
        # "\n" only, and findings must point where a person looks.
        number, newlines = newlines + 1, newlines + piece.count("\n")
        raw = piece.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        line = " " + raw if _COMMENT.match(raw) else raw
        if not raw.endswith("\\") or _COMMENT.match(raw):
            if parts:
                parts.append(line)
                joined.append((first or number, "".join(parts)))
                parts = []
            else:
                joined.append((number, line))
        else:
            if not parts:
                first = number
            parts.append(line.strip("\\"))
    if parts:
        joined.append((first or 0, "".join(parts)))
    for number, joined_line in joined:
        line = _COMMENT.sub("", joined_line).strip()
        if line:
            yield number, line


class _Rejected(Exception):
    """pip's optparse would refuse the line."""


class _Parser(optparse.OptionParser):
    def error(self, msg: str) -> NoReturn:
        raise _Rejected(msg)


def _parser() -> _Parser:
    parser = _Parser(add_help_option=False)
    for flags, dest, takes_value in OPTIONS:
        if takes_value:
            parser.add_option(*flags, dest=dest, action="append", default=[])
        else:
            parser.add_option(*flags, dest=dest, action="store_true", default=False)
    return parser


def split_line(line: str) -> tuple[str, optparse.Values]:
    """pip's ``break_args_options`` then optparse: the requirement part and the options.

    Raises ``ValueError`` with pip's reason when pip would reject the line.
    """
    args, opts, _ = _split(line)  # pip ignores stray positional arguments too
    return args, opts


def _split(line: str) -> tuple[str, optparse.Values, list[str]]:
    tokens = line.split(" ")  # pip splits on spaces only: a tab stays inside its token
    cut = next((i for i, t in enumerate(tokens) if t.startswith("-")), len(tokens))
    args, options = " ".join(tokens[:cut]), " ".join(tokens[cut:])
    try:
        argv = shlex.split(options)
    except ValueError as exc:
        raise ValueError(f"pip cannot split its options: {exc}") from None
    try:
        opts, rest = _parser().parse_args(argv)
    except _Rejected as exc:
        raise ValueError(f"pip rejects it: {exc}") from None
    return args, opts, rest


def reads_as_requirements(data: bytes) -> bool:
    """Whether this file reads as a requirements file that pins, sets a source or includes.

    A file of any name may be included (``-r deps.lst``) from a requirements file the change does
    not touch, and the stage cannot see that file. Every line must read as pip reads a
    requirements file (so prose with a line such as "-removed" is not one), and one must name a
    version (``==``, ``>=``, ``@ URL``) or a URL, or set an index, find-links, host, editable or
    include: a bare list of words is not taken for one. pip ignores words after an option
    (``--pre x``) and installs local paths (``.``), so neither hides a file's pins.
    """
    pinned = options = prose = False
    for _, line in logical_lines(decode(data).text):
        if not line.startswith("-"):
            if _PATHLIKE.match(line):
                continue
            if not _SPEC.match(line):
                return False
            pinned = pinned or bool(_VERSIONED.search(line))
            continue
        try:
            args, opts, rest = _split(line)
        except ValueError:
            return False
        prose = prose or bool(rest)  # words after an option: pip ignores them, prose has them
        options = options or (not args and any(getattr(opts, dest) for dest in (
            *SOURCE_OPTIONS, "requirements", "constraints", "editables")))
    return pinned or (options and not prose)


def read(data: bytes) -> Manifest:
    """Requirements, package sources, includes and unreadable lines of a requirements file."""
    decoded = decode(data)
    problems: list[Problem] = []
    if decoded.doubt:
        problems.append(Problem("(whole file)", None, decoded.doubt))
    sources: list[Source] = []
    includes: list[Include] = []
    wanted: dict[int, tuple[str, bool]] = {}  # line -> (requirement text, editable)
    for number, line in logical_lines(decoded.text):
        try:
            args, opts = split_line(line)
        except ValueError as exc:
            problems.append(Problem(line, number, str(exc)))
            continue
        editables: list[str] = opts.editables
        if args:
            # On a requirement line pip applies only --hash and --config-settings.
            wanted[number] = (args.strip(), False)
            continue
        if editables:
            wanted[number] = (editables[0], True)
            continue
        for dest, kind in SOURCE_OPTIONS.items():
            for value in getattr(opts, dest):
                sources.append(Source(kind, value, line, number))
        for target in opts.requirements:
            includes.append(Include(target, line, number, constraint=False))
        for target in opts.constraints:
            includes.append(Include(target, line, number, constraint=True))
    requirements, more_sources, more_problems = _requirements(wanted)
    return Manifest(tuple(requirements),
                    tuple(sorted(sources + more_sources, key=lambda s: s.line or 0)),
                    tuple(includes), tuple(sorted(problems + more_problems,
                                                  key=lambda p: p.line or 0)))


def _requirements(wanted: dict[int, tuple[str, bool]]
                  ) -> tuple[list[Requirement], list[Source], list[Problem]]:
    """Hand the requirement texts to pip-requirements-parser, each on its original line number."""
    if not wanted:
        return [], [], []
    # Imported here: only the dependency stage reads requirements, never the hook's hot path.
    from pip_requirements_parser import RequirementsFile  # type: ignore[import-untyped]

    last = max(wanted)
    body = "\n".join(
        ("-e " + wanted[n][0] if wanted[n][1] else wanted[n][0]) if n in wanted else ""
        for n in range(1, last + 1))
    with tempfile.TemporaryDirectory(prefix="draftgate-req-") as scratch:
        target = Path(scratch) / "requirements.txt"
        # A UTF-8 mark: the library decodes by mark or locale, and the text is already decoded.
        target.write_bytes(codecs.BOM_UTF8 + body.encode("utf-8", "surrogatepass"))
        parsed = RequirementsFile.from_file(os.fspath(target), include_nested=False)
    requirements: list[Requirement] = []
    sources: list[Source] = []
    problems: list[Problem] = []
    seen: set[int] = set()
    for req in parsed.requirements:
        number = int(req.line_number)
        text, editable = wanted.get(number, ("", False))
        seen.add(number)
        shown = f"-e {text}" if editable else text
        link: Any = req.link
        if link is not None:
            sources.append(Source(link_kind(str(link.url), bool(link.is_vcs)), str(link.url),
                                  shown, number))
            continue
        name = str(req.name or "")
        version = exact_version(str(req.specifier or ""))
        requirements.append(Requirement(normalize(name), version, shown, number))
    for invalid in parsed.invalid_lines:
        number = int(invalid.line_number)
        seen.add(number)
        text = wanted.get(number, (str(invalid.line), False))[0]
        problems.append(Problem(text, number, f"pip cannot read this requirement: "
                                f"{invalid.error_message.splitlines()[0]}"))
    for number, (text, _) in wanted.items():
        if number not in seen:  # never quietly dropped
            problems.append(Problem(text, number, "not understood as a requirement"))
    requirements.sort(key=lambda r: r.line or 0)
    return requirements, sources, problems


def link_kind(url: str, vcs: bool) -> str:
    """``vcs``, ``url`` (http and other remote schemes) or ``path`` (a local file or directory)."""
    if vcs:
        return "vcs"
    scheme = url.split(":", 1)[0].lower() if re.match(r"^[A-Za-z][\w+.-]*:", url) else ""
    if scheme == "file" or not scheme or len(scheme) == 1:  # "c:\x" is a Windows drive
        return "path"
    return "url"


def include_target(manifest: str, target: str) -> str | None:
    """Where pip finds ``-r target`` inside the repository, or ``None`` when it is not there.

    pip joins the target to the including file's directory. URLs, absolute paths, ``${VAR}``
    references and paths that climb out of the repository are not files the change can show.
    """
    if _SCHEME.match(target) or _ENV_VAR.search(target) or target.startswith(("/", "\\", "~")) \
            or re.match(r"^[A-Za-z]:", target):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(manifest),
                                               target.replace("\\", "/")))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined
