"""Read a file the way its consumer reads it, not the way git prints it.

git decides "binary" by a NUL byte in the first 8000 bytes (or by attributes), and prints text as
raw bytes split at ``\\n``. Its consumers read differently: pip decodes requirement files by their
byte-order mark (UTF-16 and UTF-32 included), Python honours a ``# coding:`` declaration and reads
``\\r`` as a line break, Jupyter runs a notebook's code cells out of JSON, and an editor shows a
UTF-8 template with a stray NUL as text. A content rule that reads git's bytes can be blind to all
of it. :func:`view` returns the text the consumer sees (or says that there is none), and the change
collection judges that text instead; what cannot be decoded at all is opaque.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import tokenize
from dataclasses import dataclass
from functools import cache

# Longest first: a UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
_ASCII = bytes(range(1, 128))
# ASCII that some codecs read as something else: escapes (unicode_escape, raw_unicode_escape),
# utf-7's base64 runs, HZ's and ISO-2022's shift sequences, IDNA's punycode labels.
_PROBES = (b"a\\nb\\u0041", b"+AAo-", b"~{<:~}", b"\x1b$BF|\x1b(B", b"xn--80ak6aa92e.com",
           b"a.b\\x41")
_UTF8 = frozenset({"utf-8", "utf-8-sig"})
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"
DECLARED = "declared coding"
NOTEBOOK_VIEW = "notebook code cells"


@dataclass(frozen=True, slots=True)
class View:
    """What a file's consumer reads.

    ``text`` is None when the content decodes as nothing a consumer would read (opaque); ``how``
    says how it was read ("utf-16 by its byte-order mark", "declared coding shift_jis", "notebook
    code cells"); ``encoding`` is the codec Python or pip applies; ``hides`` is set when that codec
    does not keep ASCII as ASCII (utf-7, unicode_escape…): the bytes a reviewer sees are then not
    the code that runs.
    """

    text: str | None
    how: str
    encoding: str = ""
    hides: bool = False


# A #! line that runs Python: the interpreter by name, or a runner that runs a Python script.
_SHEBANG = re.compile(
    rb"^#![^\n]*?(?:\bpython[\w.-]*|\bpypy[\w.-]*|\bipython\d*|\buv\s+run\b|\bpipx\s+run\b)")
# The sh/python polyglot: a shell #! whose next lines exec a Python interpreter on the file itself
# (exec python3 -u "$0" "$@"; "exec" "/usr/bin/env" "python3" "$0"; ''''exec python "$0" #''').
_POLYGLOT = re.compile(rb"""\bexec\b["']?\s[^\n]*?\b(?:python|pypy)[\w.-]*\b[^\n]*?\$\{?0\b""")
_HEAD = 2048  # where a #! line and a polyglot's exec line are looked for


NOTEBOOK_SUFFIX = ".ipynb"


def is_notebook(path: str) -> bool:
    """A Jupyter notebook by its suffix (any case), without importing gates.notebooks."""
    return path.lower().endswith(NOTEBOOK_SUFFIX)


def is_python(path: str, content: bytes = b"") -> bool:
    """A Python source: by suffix (any case), a ``#!`` line that runs Python (``python3``,
    ``env -S python3 -u``, ``uv run``, ``pipx run``), or a shell/Python polyglot."""
    if path.lower().endswith(PYTHON_SUFFIXES):
        return True
    head = content[:_HEAD].removeprefix(codecs.BOM_UTF8)  # Python skips a UTF-8 mark
    if not head.startswith(b"#!"):
        return False
    return _SHEBANG.match(head) is not None or _POLYGLOT.search(head) is not None


def needs_view(path: str) -> bool:
    """Whether ``path`` may be read differently from git even when git calls it text.

    Python sources (a coding declaration), notebooks (JSON around code) and files with no suffix
    (a script whose ``#!`` line names python) need their content looked at; the rest only when
    git calls them binary.
    """
    name = posixpath.basename(path)
    return is_notebook(path) or name.lower().endswith(PYTHON_SUFFIXES) or "." not in name


def view(path: str, content: bytes, *, binary: bool = False) -> View | None:
    """The text ``path``'s consumer reads, or None when git's own reading (UTF-8 text) is right."""
    if content.startswith(_LFS_POINTER):
        # The content lives on an LFS server; what is committed is a pointer to it.
        return View(None, "a Git LFS pointer: the content is stored outside the repository")
    if is_notebook(path):
        from gates.notebooks import code  # JSON and its line maps, only for notebooks

        notebook = code(content)
        if notebook is not None:
            rest = _notebook_rest(content)
            text = notebook.text if not rest else \
                f"{notebook.text.rstrip(chr(10))}\n# %% [not code: markdown, outputs, metadata]\n" \
                + "\n".join(f"# {line}" for line in rest) + "\n"
            return View(text, NOTEBOOK_VIEW, "utf-8")
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            if encoding == "utf-8-sig" and not binary:
                break  # UTF-8 with a mark: git's reading is right
            try:
                return View(content.decode(encoding), f"{encoding} (byte-order mark)", encoding)
            except UnicodeDecodeError:
                return View(None, f"{encoding} by its byte-order mark, but it does not decode")
    if is_python(path, content):
        declared = _python_encoding(content)
        if declared is not None and declared not in _UTF8:
            if not ascii_compatible(declared):
                # What runs is not what anyone sees: the unicode check blocks it. The bytes are
                # still judged as git shows them.
                return View(content.decode("utf-8", "replace"), f"{DECLARED} {declared}",
                            declared, hides=True)
            return View(content.decode(declared, "replace"), f"{DECLARED} {declared}", declared)
    if binary:
        try:
            return View(content.decode("utf-8"), "UTF-8 text that git calls binary", "utf-8")
        except UnicodeDecodeError:
            return View(None, "not text in any encoding its consumers read")
    return None


def _python_encoding(content: bytes) -> str | None:
    """The codec Python applies to this source (its own ``tokenize.detect_encoding``)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(content).readline)
    except (SyntaxError, LookupError):
        return None  # Python refuses to run it: a broken file, not a disguised one
    return codecs.lookup(encoding).name


@cache
def ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` reads every ASCII byte as that ASCII character and nothing else.

    Latin-1, cp1252, Shift-JIS and EUC-JP do; utf-7 (``+AAo-`` is a newline), UTF-16/32,
    ``unicode_escape`` (``\\n`` becomes a line break) and EBCDIC code pages do not.
    """
    try:
        return _ASCII.decode(encoding) == _ASCII.decode("ascii") and all(
            probe.decode(encoding) == probe.decode("ascii") for probe in _PROBES)
    except (UnicodeDecodeError, LookupError):
        return False


def _notebook_rest(content: bytes) -> list[str]:
    """A notebook's text outside its code cells: markdown and raw cells, outputs, metadata.

    None of it runs, but all of it is committed: a key printed in an output or pasted into a
    markdown cell is as leaked as one in code. It is judged (after the code, as comments) so the
    secret detectors and content rules see it.
    """
    import json

    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return []
    lines: list[str] = []

    def add(label: str, value: object) -> None:
        if isinstance(value, list):
            value = "".join(v for v in value if isinstance(v, str))
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        lines.extend(f"[{label}] {line}" for line in value.splitlines() if line.strip())

    if not isinstance(document, dict):
        return []
    if document.get("metadata"):
        add("notebook metadata", document["metadata"])
    cells = document.get("cells")
    worksheets = document.get("worksheets")
    if isinstance(worksheets, list):
        cells = [c for w in worksheets if isinstance(w, dict)
                 for c in (w.get("cells") or []) if isinstance(c, dict)] + list(cells or [])
    for number, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") != "code":
            add(f"{cell.get('cell_type', 'cell')} cell {number}", cell.get("source", ""))
        for output in cell.get("outputs") or []:
            if not isinstance(output, dict):
                continue
            for key in ("text", "traceback"):
                if key in output:
                    add(f"output of cell {number}", output[key])
            data = output.get("data")
            if isinstance(data, dict):
                for kind, value in data.items():
                    if isinstance(kind, str) and kind.startswith(("text/", "application/json")):
                        add(f"output of cell {number}", value)
        if cell.get("metadata"):
            add(f"metadata of cell {number}", cell["metadata"])
    return lines


def for_scanners(path: str, content: bytes) -> bytes:
    """The bytes to hand the scanners: text they would misread, re-encoded as UTF-8.

    semgrep reads every file as UTF-8. In a Shift-JIS or Big5 file a second byte can be an ASCII
    backslash or quote, so the bytes semgrep parses are not the code Python runs; a UTF-16 file is
    unreadable to it. Such files are scanned as the decoded text, with the coding declaration
    rewritten to ``utf-8`` on its own line (line numbers hold).
    """
    found = view(path, content)
    if found is None or found.text is None or found.hides or found.encoding in _UTF8 \
            or found.how == NOTEBOOK_VIEW:
        return content
    text = found.text
    if found.how.startswith(DECLARED):
        lines = text.split("\n", 2)
        for i, line in enumerate(lines[:2]):
            lines[i] = _COOKIE.sub(lambda m: f"{m.group(1)}utf-8", line, count=1)
        text = "\n".join(lines)
    return text.encode("utf-8", "surrogateescape")


_COOKIE = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)[-\w.]+")
