"""SAST counts the findings a change introduces, wherever they are (sast.report: introduced)."""

from __future__ import annotations

from pathlib import Path

from gates.engine import Request, check
from gates.model import Decision, Finding, Outcome, SourceKind, StageResult, StageStatus

from .conftest import Repo, logged_scanners

TLS = '''\
import requests

VERIFY_TLS = True
TIMEOUT = 5


def fetch(url):
{body}    return requests.get(url, verify=VERIFY_TLS, timeout=TIMEOUT)
'''
# Twenty lines between the constant and the call: the call is far outside any hunk's context.
FILLER = "".join(f"    step_{i} = {i}\n" for i in range(20))
SHELL = "def run():\n    return os.system(input())\n"


def sast(repo: Repo, *args: str) -> tuple[Decision, StageResult]:
    kind = SourceKind.RANGE if args else SourceKind.STAGED
    decision = check(Request(kind, cwd=repo.root, base=args[0] if args else None))
    return decision, next(r for r in decision.results if r.stage == "sast")


def of(result: StageResult, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == rule]


def test_a_changed_constant_makes_an_unchanged_call_dangerous(seeded: Repo) -> None:
    seeded.write("app/client.py", TLS.format(body=FILLER))
    seeded.commit("client")
    seeded.write("app/client.py", TLS.format(body=FILLER).replace("VERIFY_TLS = True",
                                                                  "VERIFY_TLS = False"))
    decision, result = sast(seeded)
    assert result.status is StageStatus.FAILED
    [finding] = of(result, "python-http-client-verify-false")
    assert finding.line == 28 and finding.blocking and finding.introduced
    assert decision.outcome is Outcome.BLOCK


def test_the_same_case_passes_with_changed_lines_reporting(seeded: Repo) -> None:
    # The narrower, older behaviour stays available: only findings on written lines count.
    seeded.write(".gate.yaml", "extends: default\nsast:\n  report: changed-lines\n")
    seeded.write("app/client.py", TLS.format(body=FILLER))
    seeded.commit("client")
    seeded.write("app/client.py", TLS.format(body=FILLER).replace("VERIFY_TLS = True",
                                                                  "VERIFY_TLS = False"))
    assert sast(seeded)[1].findings == ()


def test_a_finding_already_present_on_an_unchanged_line_is_a_note(seeded: Repo) -> None:
    insecure = TLS.format(body=FILLER).replace("VERIFY_TLS = True", "VERIFY_TLS = False")
    seeded.write("app/client.py", insecure)
    seeded.commit("legacy client")
    seeded.write("app/client.py", insecure.replace("TIMEOUT = 5", "TIMEOUT = 10"))
    decision, result = sast(seeded)
    assert result.status is StageStatus.PASSED
    [finding] = of(result, "python-http-client-verify-false")
    assert not finding.blocking and not finding.introduced
    assert finding.note == "already present before this change"
    assert decision.outcome is Outcome.PASS


def test_a_second_identical_finding_is_new(seeded: Repo) -> None:
    seeded.write("app/run.py", SHELL)
    seeded.commit("one eval")
    seeded.write("app/run.py", SHELL + "\n\n" + SHELL.replace("run", "again"))
    result = sast(seeded)[1]
    calls = [f for f in result.findings if f.tool == "bandit" and f.rule == "B605"]
    assert sorted((f.line, f.introduced, f.blocking) for f in calls) == \
        [(2, False, False), (6, True, True)]
    assert result.status is StageStatus.FAILED


def test_moving_a_dangerous_call_from_dead_code_into_a_handler_counts(seeded: Repo) -> None:
    before = "def unused():\n    return os.system(input())\n\n\ndef handler():\n    return 1\n"
    seeded.write("app/run.py", before)
    seeded.commit("dead code")
    seeded.write("app/run.py", "def unused():\n    return 1\n\n\n"
                 "def handler():\n    return os.system(input())\n")
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert {(f.rule, f.line) for f in result.findings if f.blocking and f.tool == "bandit"} == \
        {("B605", 6)}


def test_a_renamed_file_is_compared_with_its_source(seeded: Repo) -> None:
    seeded.write("app/old_name.py", SHELL)
    seeded.commit("legacy")
    seeded.git("mv", "app/old_name.py", "app/new_name.py")
    seeded.write("app/new_name.py", SHELL + "\n\ndef other():\n    return 2\n")
    decision, result = sast(seeded)
    assert any(f.path == "app/new_name.py" for f in result.findings)
    assert all(not f.blocking and not f.introduced for f in result.findings if f.tool == "bandit")
    assert result.status is StageStatus.PASSED
    assert any(c.file.status.value == "renamed" for c in decision.classification.files)


def test_a_copy_has_no_before_side(seeded: Repo) -> None:
    seeded.write("scripts/tool.py", SHELL)
    seeded.commit("legacy")
    seeded.write("app/tool_copy.py", SHELL)
    result = sast(seeded)[1]
    assert [(f.path, f.introduced) for f in result.findings if f.rule == "B605"] == \
        [("app/tool_copy.py", True)]
    assert result.status is StageStatus.FAILED


def test_a_before_side_that_does_not_parse_makes_every_finding_new(seeded: Repo) -> None:
    seeded.write("app/run.py", "def broken(:\n    pass\n" + SHELL)
    seeded.commit("broken")
    seeded.write("app/run.py", "def fixed():\n    pass\n" + SHELL)
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert any(f.rule == "B605" and f.introduced and f.blocking for f in result.findings)


def test_a_range_compares_with_the_merge_base(seeded: Repo) -> None:
    seeded.write("app/client.py", TLS.format(body=FILLER))
    seeded.commit("client")
    seeded.git("checkout", "-q", "-b", "feature")
    seeded.write("app/client.py", TLS.format(body=FILLER).replace("True", "False"))
    seeded.commit("disable verification")
    seeded.write("app/client.py", TLS.format(body=FILLER).replace("True", "False")
                 .replace("TIMEOUT = 5", "TIMEOUT = 6"))
    seeded.commit("unrelated")
    result = sast(seeded, "main")[1]
    assert [f.line for f in result.findings if f.blocking] == [28]


def test_the_before_side_comes_from_the_cache(seeded: Repo, tmp_path: Path) -> None:
    env, log = logged_scanners(tmp_path)
    seeded.write("app/run.py", SHELL)
    seeded.gate("check", env=env)  # the hook ran on the commit: its content is cached
    assert len(log.read_text().splitlines()) == 2
    seeded.commit("eval")
    seeded.write("app/run.py", SHELL + "\n\ndef other():\n    return 2\n")
    data = seeded.gate_json(env=env)
    sast_stage = next(s for s in data["stages"] if s["name"] == "sast")
    assert sast_stage["status"] == "passed"
    assert any(f["note"] == "already present before this change" for f in sast_stage["findings"])
    runs = log.read_text().splitlines()[2:]
    assert len(runs) == 2, "only the after side was scanned; the before side was cached"
    # Cold: no cache, so the before side of the flagged file is scanned too (once per tool).
    seeded.gate("check", "--no-cache", env=env)
    assert len(log.read_text().splitlines()[4:]) == 4


def test_a_file_moved_out_of_an_excluded_folder_has_no_before_side(seeded: Repo) -> None:
    seeded.write(".gate.yaml", "extends: default\nsast:\n  exclude: ['legacy/']\n")
    seeded.write("legacy/tool.py", SHELL)
    seeded.commit("legacy, never scanned")
    seeded.git("mv", "legacy/tool.py", "app/tool.py")
    result = sast(seeded)[1]
    assert result.status is StageStatus.FAILED
    assert any(f.path == "app/tool.py" and f.introduced and f.blocking for f in result.findings)


SHELL_FLAG = '''\
import subprocess


class Runner:
    USE_SHELL = {flag}

    def run(self, cmd):
        return subprocess.call(cmd, shell=self.USE_SHELL)
'''


def test_a_flag_the_change_flips_makes_an_old_finding_new(seeded: Repo) -> None:
    # bandit flags shell=<name> the same way whatever the name holds: before and after look alike,
    # but the change rebinds the name the flagged line uses.
    seeded.write("app/runner.py", SHELL_FLAG.format(flag="False"))
    seeded.commit("runner")
    seeded.write("app/runner.py", SHELL_FLAG.format(flag="True"))
    result = sast(seeded)[1]
    flagged = [f for f in result.findings if f.tool == "bandit" and f.line == 8]
    assert flagged and all(f.introduced for f in flagged)
    assert "uses USE_SHELL, which this change rebinds" in flagged[0].note


def test_a_number_the_change_edits_leaves_old_findings_old(seeded: Repo) -> None:
    seeded.write("app/runner.py", SHELL_FLAG.format(flag="True") + "\nRETRIES = 1\n")
    seeded.commit("runner")
    seeded.write("app/runner.py", SHELL_FLAG.format(flag="True") + "\nRETRIES = 3\n")
    result = sast(seeded)[1]
    assert all(not f.introduced for f in result.findings if f.tool == "bandit")
    assert result.status is StageStatus.PASSED
