"""Jupyter notebooks as the Python their kernel runs.

A notebook is JSON; Jupyter runs its code cells, after IPython has rewritten magics (``%pip``,
``%%bash``) and ``!`` shell escapes. Scanners and content rules read plain text, so the code cells
are turned into one Python text the way jupytext does it (magics and shell lines commented out,
each cell behind a ``# %% [cell N]`` line), with a map from each line back to its cell and with the
lines that run in a shell marked: those are judged as shell, not Python. Where IPython runs Python
that is not written as Python (``%time stmt``, ``%%timeit`` setup, the ``/f x`` autocall escapes,
``%%writefile x.py`` and ``%%script python`` bodies), the text keeps that Python as code, with the
magic as a trailing comment: commenting it out would hide it from every scanner. Nothing is
executed and nbformat is not needed on this path (plain ``json``; the hook must stay fast).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# One answer to "is this a notebook?": gates.decode's, which the hot path imports anyway.
from gates.decode import is_notebook

__all__ = ["NotebookCode", "code", "is_notebook"]

# IPython runs these cell magics' bodies in a shell; %%script takes the interpreter as argument.
_SHELL_CELLS = frozenset({"bash", "sh", "system", "!", "zsh", "powershell", "cmd", "perl",
                          "ruby", "script", "sx"})
# Cell magics whose body IPython runs as Python in the kernel: the body stays Python.
_PYTHON_CELLS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3",
                           "pypy", "px", "memit", "mprun", "snakeviz"})
# Line magics that run a shell command or install packages (IPython's %pip / %conda install
# into the kernel's environment, exactly as ``!pip`` does).
_SHELL_LINES = frozenset({"system", "sx", "sc", "pip", "conda", "mamba", "micromamba", "uv",
                          "bash", "sh", "script", "alias", "run"})
# Names IPython accepts without ``%`` when automagic is on (the default): ``pip install x`` alone
# on a line runs %pip. Only lines that are not valid Python are taken as automagics.
_AUTOMAGICS = frozenset({"alias", "cd", "clear", "colors", "conda", "config", "env", "gui",
                         "less", "load", "load_ext", "ls", "lsmagic", "macro", "magic",
                         "matplotlib", "mkdir", "more", "pip", "pdb", "pwd", "rm", "rmdir", "run",
                         "sx", "system", "who", "whos", "mamba", "micromamba", "uv", "cat", "cp",
                         "mv", "man", "ldir", "lf", "lk", "ll", "lx", "rep", "pycat", "reset",
                         "store", "unalias", "xmode"})
_PYTHON_INTERPRETER = re.compile(r"^(?:\S*/)?(?:python|pypy|ipython)[\w.]*\b")
_RUNS_PYTHON = re.compile(
    r"^(\s*)(?:([\w.\[\], ()*]+?)\s*=\s*)?%(time|timeit|prun|memit|debug)\b(.*)$")
# Options that take a value (a flag read as one would swallow a word of the statement; the
# other way round leaves an option in it, which then fails to parse: not scanned, never clean).
_OPTIONS_WITH_VALUE = frozenset({"-n", "-r", "-p", "-s", "-l", "-T", "-D", "-b", "--breakpoint"})
_AUTOCALL = re.compile(r"^(\s*)([/,;])([A-Za-z_][\w.]*)(.*)$")
_ASSIGNED = re.compile(r"^\s*[\w.\[\], ()*]+\s*=\s*([!%])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class NotebookCode:
    """The code cells of a notebook as one Python text.

    ``origin[i - 1]`` is ``(cell, line)`` (both 1-based, cells counted among all cells as Jupyter
    numbers them in the file) for line ``i`` of ``text``, ``(0, 0)`` for the separator lines;
    ``shell`` holds the lines of ``text`` that IPython would run in a shell.
    """

    text: str
    origin: tuple[tuple[int, int], ...]
    shell: frozenset[int]

    def where(self, line: int | None) -> tuple[int, int]:
        """The (cell, line in cell) of a line of ``text``; (0, 0) when it is not in a cell."""
        if line is None or not 1 <= line <= len(self.origin):
            return (0, 0)
        return self.origin[line - 1]


def code(content: bytes) -> NotebookCode | None:
    """The notebook's code cells as Python, or None when ``content`` is not notebook JSON.

    Both the current format (``cells``) and nbformat 3 (``worksheets[].cells[].input``), which
    Jupyter still opens and upgrades, are read. A file that is not a JSON object with cells is
    not a notebook Jupyter would run; the caller treats it as opaque.
    """
    document = _load(content)
    if document is None:
        return None
    cells = _cells(document)
    if cells is None:
        return None
    lines: list[str] = []
    origin: list[tuple[int, int]] = []
    shell: set[int] = set()
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if source is None:
            return None
        lines.append(f"# %% [cell {number}]")
        origin.append((0, 0))
        for index, (line, is_shell) in enumerate(_translate(source), 1):
            lines.append(line)
            origin.append((number, index))
            if is_shell:
                shell.add(len(lines))
    text = "\n".join(lines) + ("\n" if lines else "")
    return NotebookCode(text, tuple(origin), frozenset(shell))


def _load(content: bytes) -> dict[str, object] | None:
    try:
        # json detects UTF-16/32 from the first bytes; a UTF-8 BOM it refuses, so strip it.
        document = json.loads(content[3:] if content.startswith(b"\xef\xbb\xbf") else content)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _cells(document: dict[str, object]) -> list[object] | None:
    """Every cell, from ``cells`` and from nbformat 3's ``worksheets`` alike.

    Which one Jupyter runs depends on the ``nbformat`` field; a file with both (harmless code
    in one, the real code in the other) is read whole, so neither can hide the other.
    """
    cells = document.get("cells")
    sheets = document.get("worksheets")
    if not isinstance(cells, list) and not isinstance(sheets, list):
        return None
    out: list[object] = list(cells) if isinstance(cells, list) else []
    if sheets is not None:
        if not isinstance(sheets, list):
            return None
        for sheet in sheets:
            inner = sheet.get("cells") if isinstance(sheet, dict) else None
            if not isinstance(inner, list):
                return None
            out.extend(inner)
    return out


def _source(cell: dict[object, object]) -> str | None:
    """A cell's source, joined as nbformat joins it (a list of strings or one string)."""
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def _translate(source: str) -> list[tuple[str, bool]]:
    """Each line of a cell as Python, and whether IPython would run it in a shell.

    Lines are split where Python splits them (``\\r\\n``, ``\\r``, ``\\n``), so the scanners'
    line numbers and ``origin`` agree.
    """
    raw = _LINE_BREAKS.split(source)
    if raw and raw[-1] == "":
        raw.pop()
    if not raw:
        return []
    first = raw[0].strip()
    if first.startswith("%%") and len(first) > 2:
        name, _, argument = first[2:].partition(" ")
        argument = argument.strip()
        python_body = name in _PYTHON_CELLS or (
            name == "script" and bool(_PYTHON_INTERPRETER.match(argument))) or (
            name in ("writefile", "file") and argument.lower().endswith((".py", ".pyw")))
        if not python_body:
            runs_shell = name in _SHELL_CELLS or (
                name == "script" and not argument.startswith(("js", "javascript", "html")))
            return [(_comment(line), runs_shell) for line in raw]
        head = _comment(raw[0])
        if name in ("time", "timeit"):
            # %%timeit's first line may hold setup code, which runs: keep it as Python.
            setup = _without_options(argument)
            head = f"{setup}  # %%{name}" if setup else head
        return [(head, False), *_lines(raw[1:])]
    return _lines(raw)


def _lines(raw: list[str]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    in_string: str | None = None
    continued: bool | None = None  # the previous magic line ended with a backslash
    for line in raw:
        if continued is not None:
            out.append((_comment(line), continued))
            continued = continued if line.rstrip().endswith("\\") else None
            continue
        python = None if in_string else _as_python(line)
        if python is not None:
            out.append((python, False))
            continue
        magic = None if in_string else _magic(line)
        if magic is None:
            out.append((line, False))
            in_string = _strings_after(line, in_string)
            continue
        out.append((_comment(line, keep_block=True), magic))
        if line.rstrip().endswith("\\"):
            continued = magic
    return out


def _as_python(line: str) -> str | None:
    """The Python that IPython runs for a line that is not Python syntax, where it runs some.

    ``%time stmt`` / ``%timeit -n 3 stmt`` / ``%prun stmt`` run ``stmt``; the autocall escapes
    call a function: ``/f a, b`` is ``f(a, b)``, ``,f a b`` is ``f("a", "b")``, ``;f a b`` is
    ``f("a b")``. Commenting these out, as jupytext does, would hide the code from the scanners.
    """
    m = _RUNS_PYTHON.match(line)
    if m:
        indent, target, name, rest = m.groups()
        statement = _without_options(rest)
        if not statement:
            return None
        return f"{indent}{f'{target} = ' if target else ''}{statement}  # %{name}"
    m = _AUTOCALL.match(line)
    if m:
        indent, escape, function, rest = m.groups()
        rest = rest.strip()
        if escape == "/":
            arguments = rest
        elif escape == ",":
            arguments = ", ".join(repr(word) for word in rest.split())
        else:
            arguments = repr(rest)
        return f"{indent}{function}({arguments})  # {escape}"
    return None


def _without_options(argument: str) -> str:
    """A magic's statement after its ``-x`` options (and the values of those that take one)."""
    words = argument.strip().split(" ")
    while words and words[0].startswith("-") and len(words[0]) > 1:
        option = words.pop(0)
        if option in _OPTIONS_WITH_VALUE and words:
            words.pop(0)
        while words and words[0] == "":
            words.pop(0)
    return " ".join(words).strip()


def _magic(line: str) -> bool | None:
    """None when ``line`` is Python; else whether the magic runs in a shell."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith("!"):
        return True
    if stripped.startswith("%"):
        name = stripped.lstrip("%").split(None, 1)[0] if stripped.lstrip("%") else ""
        return name in _SHELL_LINES or name.startswith("!")
    if stripped.startswith("?") or (stripped.endswith("?") and _not_python(stripped)):
        return False
    assigned = _ASSIGNED.match(line)
    if assigned and _not_python(stripped):
        return assigned.group(1) == "!" or _assigned_magic_is_shell(stripped)
    word = stripped.split(None, 1)[0]
    if word in _AUTOMAGICS and _not_python(stripped):
        return word in _SHELL_LINES
    return None


def _assigned_magic_is_shell(stripped: str) -> bool:
    name = stripped.split("=", 1)[1].strip().lstrip("%").split(None, 1)
    return bool(name) and name[0] in _SHELL_LINES


def _not_python(line: str) -> bool:
    """Whether one logical line, alone, fails to compile (block openers count as Python)."""
    if line.endswith(":") or line.endswith("\\") or line.endswith(("(", "[", "{", ",")):
        return False
    try:
        compile(line, "<cell>", "exec", dont_inherit=True)
    except SyntaxError:
        return True
    except (ValueError, RecursionError, MemoryError):
        return False
    return False


def _comment(line: str, keep_block: bool = False) -> str:
    """Comment a line out as jupytext does, keeping its indentation.

    An indented magic may be the only statement of a block (``for x in y:`` then ``!echo``);
    with ``keep_block`` it becomes ``pass  # !echo`` so the text still parses and is scanned.
    """
    body = line.lstrip()
    indent = line[:len(line) - len(body)]
    if not body:
        return line
    return f"{indent}pass  # {body}" if keep_block and indent else f"{indent}# {body}"


_QUOTE = re.compile(r"#|\\.|'''|\"\"\"|'|\"")


def _strings_after(line: str, open_quote: str | None) -> str | None:
    """Which triple-quoted string is still open at the end of ``line`` (magics inside a string
    are text, as IPython's tokenizer-based transforms see them)."""
    quote = open_quote
    single: str | None = None
    for m in _QUOTE.finditer(line):
        mark = m.group()
        if mark.startswith("\\"):
            continue
        if quote is not None:
            if mark == quote:
                quote = None
            continue
        if single is not None:
            if mark[0] == single:
                single = None
            continue
        if mark == "#":
            break
        if mark in ("'''", '"""'):
            quote = mark
        else:
            single = mark
    return quote
