"""The SAST stage with the real bandit and semgrep, on real repositories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import Repo, file_entry, logged_scanners

VULNERABLE = '''\
import sqlite3


def find(name):
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cur.fetchall()
'''
SAFE = VULNERABLE.replace('''"SELECT * FROM users WHERE name = '%s'" % name''',
                          '"SELECT * FROM users WHERE name = ?", (name,)')


def stage(data: dict, name: str) -> dict:
    return next(s for s in data["stages"] if s["name"] == name)


def test_sql_injection_blocks_and_the_fix_passes(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE)
    data = seeded.gate_json()
    assert data["tier"] == "high"  # SQL built inside execute(): the policy's injection rule
    assert data["outcome"] == "block" and data["exit_code"] == 1
    sast = stage(data, "sast")
    assert sast["status"] == "failed"
    blocking = {(f["tool"], f["rule"], f["line"]) for f in sast["findings"] if f["blocking"]}
    assert ("bandit", "B608", 7) in blocking
    assert any(tool == "semgrep" and line == 7 for tool, _, line in blocking)
    seeded.write("app/users.py", SAFE)
    data = seeded.gate_json()
    assert stage(data, "sast")["status"] == "passed"
    assert data["outcome"] == "pass" and data["exit_code"] == 0


def test_sast_alone_blocks_a_low_risk_change(seeded: Repo) -> None:
    """The query built a line before it runs: no content rule sees it, the change is low tier,
    and SAST is what blocks it."""
    split = VULNERABLE.replace(
        "    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % name)",
        "    query = \"SELECT * FROM users WHERE name = '%s'\" % name\n    cur.execute(query)")
    assert split != VULNERABLE
    seeded.write("app/users.py", split)
    data = seeded.gate_json()
    assert data["tier"] == "low"
    assert data["outcome"] == "block" and data["exit_code"] == 1
    blocking = {(f["tool"], f["line"]) for f in stage(data, "sast")["findings"] if f["blocking"]}
    assert ("semgrep", 8) in blocking


def test_index_content_is_scanned_not_the_worktree(seeded: Repo) -> None:
    seeded.write("app/users.py", SAFE)
    (seeded.root / "app/users.py").write_text(VULNERABLE)  # unstaged: not what will be committed
    assert stage(seeded.gate_json(), "sast")["status"] == "passed"
    seeded.write("app/users.py", VULNERABLE, stage=True)
    (seeded.root / "app/users.py").write_text(SAFE)  # the worktree is fixed, the index is not
    assert stage(seeded.gate_json(), "sast")["status"] == "failed"


def test_range_scans_the_head_version(seeded: Repo) -> None:
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write("app/users.py", VULNERABLE)
    seeded.commit("vulnerable")
    seeded.write("app/users.py", SAFE, stage=False)  # worktree differs from head
    data = seeded.gate_json("--base", "main")
    assert stage(data, "sast")["status"] == "failed"


def test_legacy_findings_outside_changed_lines_do_not_block(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE)
    seeded.commit("legacy")
    seeded.write("app/users.py", VULNERABLE + "\n\ndef count():\n    return 1\n")
    data = seeded.gate_json()
    sast = stage(data, "sast")
    assert sast["status"] == "passed"
    assert sast["findings"], "legacy findings are shown as notes"
    assert all(not f["blocking"] and f["note"] == "already present before this change"
               for f in sast["findings"])


def test_changed_lines_reporting_drops_legacy_findings(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE)
    seeded.write(".gate.yaml", "extends: default\nsast:\n  report: changed-lines\n")
    seeded.commit("legacy")
    seeded.write("app/users.py", VULNERABLE + "\n\ndef count():\n    return 1\n")
    sast = stage(seeded.gate_json(), "sast")
    assert sast["status"] == "passed" and sast["findings"] == []


def test_whole_file_reporting(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE)
    seeded.write(".gate.yaml", "extends: default\nsast:\n  report: whole-file\n")
    seeded.commit("legacy")
    seeded.write("app/users.py", VULNERABLE + "\n\ndef count():\n    return 1\n")
    assert stage(seeded.gate_json(), "sast")["status"] == "failed"


def test_suppressions_are_honoured_counted_and_shown(seeded: Repo) -> None:
    # Suppressions a person already accepted (committed) keep working on untouched lines.
    seeded.write("app/users.py", VULNERABLE.replace(
        "% name)", "% name)  # nosec B608  # nosemgrep"))
    seeded.write(".gate.yaml", "extends: default\nsast:\n  report: whole-file\n")
    seeded.commit("accepted suppressions")
    seeded.write("app/users.py", VULNERABLE.replace(
        "% name)", "% name)  # nosec B608  # nosemgrep") + "\n\ndef count():\n    return 1\n")
    data = seeded.gate_json()
    sast = stage(data, "sast")
    assert sast["status"] == "passed"
    suppressed = [f for f in sast["findings"] if f["suppressed"]]
    assert {f["tool"] for f in suppressed} == {"bandit", "semgrep"}
    assert all(not f["blocking"] for f in suppressed)
    assert "suppressed" in sast["message"]


def test_a_suppression_for_another_rule_does_not_hide(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE.replace("% name)", "% name)  # nosec B101"))
    findings = stage(seeded.gate_json(), "sast")["findings"]
    assert any(f["tool"] == "bandit" and f["rule"] == "B608" and f["blocking"] for f in findings)


def test_suppression_added_in_a_high_tier_file_is_reported(seeded: Repo) -> None:
    seeded.write("auth/tokens.py", "import subprocess\n\n"
                 "def run(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec\n")
    data = seeded.gate_json()
    findings = stage(data, "sast")["findings"]
    added = [f for f in findings if f["rule"] == "suppression-added"]
    assert [(f["path"], f["line"]) for f in added] == [("auth/tokens.py", 4)]


def test_thresholds_come_from_the_policy(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  bandit: {severity: high}\n"
                 "  semgrep: {enabled: false}\n")
    seeded.commit("policy")
    seeded.write("app/users.py", VULNERABLE)
    sast = stage(seeded.gate_json(), "sast")
    b608 = next(f for f in sast["findings"] if f["rule"] == "B608")
    assert b608["severity"] == "medium" and b608["blocking"] is False
    assert sast["status"] == "passed"


def test_excluded_paths_are_not_scanned(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  exclude: ['app/legacy/']\n")
    seeded.commit("policy")
    seeded.write("app/legacy/users.py", VULNERABLE)
    assert stage(seeded.gate_json(), "sast")["findings"] == []


def test_trojan_source_and_invisible_characters_block(seeded: Repo) -> None:
    seeded.write("app/access.py", 'ROLE = "user\u202e \u2066# admin\u2069 \u2066"\n'
                 'adm\u0456n = True\nnote = "zero\u200bwidth"\n')
    data = seeded.gate_json()
    findings = stage(data, "sast")["findings"]
    rules = {(f["rule"], f["line"]) for f in findings if f["tool"] == "draftgate"}
    assert rules == {("unicode-bidi", 1), ("unicode-mixed-script", 2), ("unicode-invisible", 3)}
    assert data["outcome"] == "block"


def test_legitimate_unicode_passes(seeded: Repo) -> None:
    seeded.write("app/i18n.py", 'GREETING = "Grüße, café, 東京"\nnaïve = "ok"\n')
    assert stage(seeded.gate_json(), "sast")["status"] == "passed"


def test_unparsable_python_is_an_error_not_clean(seeded: Repo) -> None:
    seeded.write("app/broken.py", "def broken(:\n    pass\n")
    data = seeded.gate_json()
    sast = stage(data, "sast")
    assert sast["status"] == "error"
    assert "app/broken.py" in sast["message"]
    assert data["exit_code"] == 4


def test_user_semgrep_rules(seeded: Repo) -> None:
    rules = seeded.root / "rules" / "no-print.yaml"
    rules.parent.mkdir()
    rules.write_text("rules:\n  - id: no-print\n    languages: [python]\n    severity: ERROR\n"
                     "    message: no print in library code\n    pattern: print(...)\n")
    seeded.write(".gate.yaml", "extends: default\nsast:\n  semgrep:\n"
                 "    rules: [default, rules/no-print.yaml]\n")
    seeded.git("add", "rules")
    seeded.commit("policy")
    seeded.write("app/main.py", "def main():\n    print('hi')\n")
    findings = stage(seeded.gate_json(), "sast")["findings"]
    assert [(f["rule"], f["line"], f["blocking"]) for f in findings] == [("no-print", 2, True)]


def test_results_are_cached_by_content(seeded: Repo, tmp_path: Path) -> None:
    env, log = logged_scanners(tmp_path)
    seeded.write("app/users.py", VULNERABLE)
    seeded.write("app/other.py", "def other():\n    return 2\n")
    def runs() -> list[str]:
        return log.read_text().splitlines()

    first = seeded.gate_json(env=env)
    assert sorted(r.split()[0] for r in runs()) == ["bandit", "semgrep"]
    assert (seeded.root / ".git" / "draftgate" / "cache.sqlite3").exists()
    warm = seeded.gate_json(env=env)
    assert stage(warm, "sast")["findings"] == stage(first, "sast")["findings"]
    assert len(runs()) == 2, "no scanner ran again"
    # Fixing one file re-scans that file only; --no-cache re-scans everything.
    seeded.write("app/users.py", SAFE)
    assert stage(seeded.gate_json(env=env), "sast")["status"] == "passed"
    assert len(runs()) == 4
    assert all("app/users.py" in r and "app/other.py" not in r for r in runs()[2:])
    seeded.gate("check", "--no-cache", env=env)
    assert len(runs()) == 6 and all("app/other.py" in r for r in runs()[4:])


def test_a_corrupt_cache_is_rebuilt(seeded: Repo) -> None:
    seeded.write("app/users.py", VULNERABLE)
    db = seeded.root / ".git" / "draftgate" / "cache.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    data = seeded.gate_json()
    assert stage(data, "sast")["status"] == "failed"
    assert db.read_bytes()[:15] == b"SQLite format 3"


def test_a_change_inside_a_multi_line_call_counts(seeded: Repo) -> None:
    base = "import yaml\n\n\ndef load(data):\n    return yaml.load(\n        data,\n" \
           "        Loader=yaml.SafeLoader,\n    )\n"
    seeded.write("app/conf.py", base)
    seeded.commit("safe load")
    seeded.write("app/conf.py", base.replace("SafeLoader", "UnsafeLoader"))
    data = seeded.gate_json()
    assert stage(data, "sast")["status"] == "failed", stage(data, "sast")
    assert any(f["line"] == 5 and f["end_line"] == 8 for f in stage(data, "sast")["findings"])


def test_bare_cr_line_ends_are_judged_whole(seeded: Repo) -> None:
    source = "import urllib.request\rdef fetch(url):\r    return urllib.request.urlopen(url)\r"
    seeded.write("app/fetch.py", source)
    assert stage(seeded.gate_json(), "sast")["status"] == "failed"


def test_files_bandit_excludes_by_default_are_scanned(seeded: Repo) -> None:
    seeded.write("tools/CVS_import.py", "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n")
    seeded.write("bin/tool", "#!/usr/bin/env python3\nimport os\nos.system(input())\n")
    blocking = {(f["path"], f["rule"]) for f in stage(seeded.gate_json(), "sast")["findings"]
                if f["blocking"] and f["tool"] == "bandit"}
    assert {("tools/CVS_import.py", "B605"), ("bin/tool", "B605")} <= blocking


def test_an_exact_copy_of_vulnerable_code_is_judged(seeded: Repo) -> None:
    seeded.write("scripts/old_tool.py", VULNERABLE)
    seeded.commit("legacy script")
    (seeded.root / "app").mkdir(exist_ok=True)
    seeded.write("app/handlers.py", VULNERABLE)
    data = seeded.gate_json()
    assert file_entry(data, "app/handlers.py")["status"] == "copied"
    assert stage(data, "sast")["status"] == "failed"


def test_optional_stage_with_blocking_findings_still_blocks(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\noptional:\n  low: [sast]\n  high: [sast]\n")
    seeded.commit("optional sast")
    seeded.write("app/users.py", VULNERABLE)
    seeded.write("app/zz_broken.py", "def broken(:\n    pass\n")
    data = seeded.gate_json()
    assert stage(data, "sast")["status"] == "failed"
    assert data["exit_code"] == 1


def test_suppression_words_inside_strings_suppress_nothing(seeded: Repo) -> None:
    seeded.write("app/run.py", "import subprocess\n\n\ndef run(cmd):\n"
                 "    subprocess.call(\"echo '# nosec # nosemgrep' && \" + cmd, shell=True)\n")
    findings = stage(seeded.gate_json(), "sast")["findings"]
    assert any(f["tool"] == "bandit" and f["blocking"] and not f["suppressed"] for f in findings)


def test_hangul_filler_identifiers_are_invisible_characters(seeded: Repo) -> None:
    seeded.write("app/run.py", "def run(args, \u3164=None):\n    return args\n")
    findings = stage(seeded.gate_json(), "sast")["findings"]
    rules = [f["rule"] for f in findings if f["tool"] == "draftgate"]
    assert "unicode-invisible" in rules and all(r.startswith("unicode-") for r in rules)


def test_without_bandit_an_unparsable_file_is_still_an_error(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  bandit: {enabled: false}\n")
    seeded.commit("no bandit")
    seeded.write("app/broken.py", "def broken(:\n    pass\n")
    data = seeded.gate_json()
    assert stage(data, "sast")["status"] == "error" and data["exit_code"] == 4


def test_a_branch_cannot_empty_the_teams_semgrep_rules(seeded: Repo) -> None:
    rules = "rules:\n  - id: no-legacy-exec\n    languages: [python]\n    severity: ERROR\n" \
            "    message: legacy_exec runs shell strings\n    pattern: legacy_exec(...)\n"
    seeded.write("rules/custom.yaml", rules)
    seeded.write(".gate.yaml", "extends: default\nsast:\n  semgrep:\n"
                 "    rules: [default, rules/]\n")
    seeded.commit("team rules")
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write("rules/custom.yaml", "rules: []\n")
    seeded.write("app/run.py", "def run(x):\n    legacy_exec(x)\n")
    seeded.commit("empty the rules and use legacy_exec")
    data = seeded.gate_json("--base", "main")
    findings = stage(data, "sast")["findings"]
    assert [(f["rule"], f["path"]) for f in findings if f["blocking"]] == \
        [("no-legacy-exec", "app/run.py")]


def test_a_python_file_over_semgrep_s_size_limit_is_scanned_in_full(seeded: Repo) -> None:
    padding = "".join(f"# filler line {i:06d} " + "x" * 40 + "\n" for i in range(22_000))
    seeded.write("app/big.py", padding + "\n\ndef run():\n    return eval(input())\n")
    assert (seeded.root / "app/big.py").stat().st_size > 1 << 20  # semgrep's default limit
    sast = stage(seeded.gate_json(), "sast")
    # both tools read the end of the file (bandit's eval finding is a note: sast.bandit.levels)
    flagged = {(f["tool"], f["line"]) for f in sast["findings"]}
    assert {("bandit", 22_004), ("semgrep", 22_004)} <= flagged and sast["status"] == "failed"


def test_a_file_semgrep_gives_up_on_is_reported_not_scanned(seeded: Repo) -> None:
    # 70,000 module constants make semgrep's rules hit its per-rule time limit: semgrep still
    # lists the file as scanned and says so only in its errors.
    seeded.write(".gate.yaml", "extends: default\nsast:\n  bandit: {enabled: false}\n")
    seeded.commit("semgrep only")
    padding = "".join(f"VALUE_{i} = {i}\n" for i in range(70_000))
    seeded.write("app/huge.py", padding + "\n\ndef run():\n    return eval(input())\n")
    data = seeded.gate_json()
    sast = stage(data, "sast")
    flagged = any(f["line"] == 70_004 and f["blocking"] for f in sast["findings"])
    # Never clean: found, reported as given up on, or (on a loaded machine, where the taint
    # rules run past sast.timeout) a tool failure.
    assert flagged or (sast["status"] == "pending" and
                       "app/huge.py not scanned: semgrep gave up on it" in sast["message"]) or (
        sast["status"] == "error" and data["exit_code"] == 4)
    assert data["exit_code"] in (1, 3, 4)


def test_python_without_a_py_suffix_is_scanned_by_both_tools(seeded: Repo) -> None:
    body = "def run():\n    return eval(input())\n"
    seeded.write("bin/tool", "#!/usr/bin/env python3\n" + body)
    seeded.write("bin/tool2", "#! /usr/bin/env -S python3.12 -u\n" + body)
    seeded.write("bin/launch", "#!/bin/sh\n''''exec python3 \"$0\" \"$@\" # '''\n" + body)
    seeded.write("app/stubs.pyi", body)
    seeded.write("app/gui.pyw", body)
    seeded.write("app/Views.PY", body)
    seeded.write("app/script.sh", "#!/bin/sh\necho 'eval(input())'\n")
    findings = stage(seeded.gate_json(), "sast")["findings"]
    flagged = {(f["path"], f["tool"]) for f in findings}  # read by both tools
    assert {f["path"] for f in findings if f["blocking"]} >= {
        "bin/tool", "bin/tool2", "bin/launch", "app/stubs.pyi", "app/gui.pyw", "app/Views.PY"}
    for path in ("bin/tool", "bin/tool2", "bin/launch", "app/stubs.pyi", "app/gui.pyw",
                 "app/Views.PY"):
        assert {(path, "bandit"), (path, "semgrep")} <= flagged, path
    assert not any(f["path"] == "app/script.sh" for f in findings)


def test_cython_syntax_is_reported_not_scanned_and_the_stage_pends(seeded: Repo) -> None:
    seeded.write("ext/fast.pyx", "cdef int add(int a, int b):\n    return a + b\n")
    seeded.write("ext/fast.pxd", "cdef int add(int a, int b)\n")
    data = seeded.gate_json()
    sast = stage(data, "sast")
    assert sast["status"] == "pending" and data["exit_code"] == 3
    assert "ext/fast.pyx not scanned: Cython syntax" in sast["message"]
    assert "ext/fast.pxd" in sast["message"]


def test_cython_in_python_syntax_is_scanned(seeded: Repo) -> None:
    seeded.write("ext/pure.pyx", "def run():\n    return eval(input())\n")
    sast = stage(seeded.gate_json(), "sast")
    assert sast["status"] == "failed"
    assert {f["tool"] for f in sast["findings"]} == {"bandit", "semgrep"}


def test_python_git_calls_binary_is_scanned_whole(seeded: Repo) -> None:
    seeded.write(".gitattributes", "*.py binary\n")
    seeded.write("app/big.py", "def run():\n    return 1\n")
    seeded.commit("attributes")
    padding = "".join(f"# filler line {i:06d} " + "x" * 40 + "\n" for i in range(22_000))
    seeded.write("app/big.py", padding + "eval(input())\n")  # over the re-check limit
    data = seeded.gate_json()
    assert file_entry(data, "app/big.py")["binary"] is True
    sast = stage(data, "sast")
    assert sast["status"] == "failed" and data["exit_code"] == 1
    assert {(f["tool"], f["line"]) for f in sast["findings"] if f["path"] == "app/big.py"} \
        >= {("bandit", 22_001), ("semgrep", 22_001)}


# Syntax newer than the gate's own Python: bandit parses with the interpreter it runs in.
NEWER_SYNTAX = {
    (3, 11): 'def f(x):\n    return f"{x["a"]}"\n',  # 3.12: quotes reused inside an f-string
    (3, 12): "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",  # 3.14: PEP 758
    (3, 13): "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
}


@pytest.mark.skipif(sys.version_info[:2] not in NEWER_SYNTAX,
                    reason="no syntax newer than this Python is known to the test")
def test_a_file_in_newer_python_syntax_says_to_run_the_gate_under_that_python(
        seeded: Repo) -> None:
    seeded.write("app/new.py", NEWER_SYNTAX[sys.version_info[:2]])
    data = seeded.gate_json()
    assert data["exit_code"] == 4  # a tool failure, never a pass
    message = stage(data, "sast")["message"]
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"app/new.py: it does not parse as Python {version}, the Python the gate runs " \
           f"under (line " in message
    assert "run the gate under it" in message


def test_bandit_levels_set_a_tests_severity_and_say_so(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  bandit:\n    levels:\n"
                 "      B311: medium\n      b307: low\n")
    seeded.commit("policy: random blocks, eval is a note")
    seeded.write("app/dice.py", "import random\n\n\ndef roll():\n    return random.randint(1, 6)\n")
    data = seeded.gate_json()
    (finding,) = [f for f in stage(data, "sast")["findings"] if f["rule"] == "B311"]
    assert finding["severity"] == "medium" and finding["blocking"]
    assert "bandit rates it low; sast.bandit.levels makes it medium" in finding["note"]
    seeded.write("app/dice.py", "def roll(expr):\n    return eval(expr)\n")
    data = seeded.gate_json()
    bandit = [f for f in stage(data, "sast")["findings"] if f["tool"] == "bandit"]
    assert [(f["rule"], f["severity"], f["blocking"]) for f in bandit] == [("B307", "low", False)]


def test_a_hidden_payload_still_blocks_while_bandits_eval_is_a_note(seeded: Repo) -> None:
    # bandit's B102/B307 are notes in the default: the shipped rules must keep these blocking
    seeded.write("app/boot.py", "import base64\n\n\ndef boot():\n"
                 "    exec(base64.b64decode(b'aW1wb3J0IG9z'))\n")
    data = seeded.gate_json()
    blocking = {(f["tool"], f["line"]) for f in stage(data, "sast")["findings"] if f["blocking"]}
    assert ("semgrep", 5) in blocking and data["exit_code"] == 1
