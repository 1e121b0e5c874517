"""The workflows, the composite action and the workflow ``gate init --github`` writes.

Linted with the real tools (zizmor, offline and with its strictest persona; check-jsonschema with
GitHub's vendored schemas), read for the properties the design rests on (the pull request is data
in the privileged job, the command stages run unprivileged, permissions per job), and the
action's shell scripts run with bash against the real ``gate``.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from gates import __version__
from gates.errors import UsageError
from gates.github import workflow
from tests.conftest import Repo

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"
TEMPLATES = ROOT / "gates" / "github" / "templates"
PRIVILEGED = (WORKFLOWS / "gate.yml", TEMPLATES / "gate.yml")
UNPRIVILEGED = (WORKFLOWS / "gate-commands.yml", TEMPLATES / "gate-commands.yml")
HEAD_SHA = "${{ github.event.pull_request.head.sha }}"
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(?:\.\d+)*$")
PR_TYPES = {"opened", "synchronize", "reopened", "labeled", "unlabeled"}
# Every finding an inline ``# zizmor: ignore[...]`` silences, with its file: nothing else may be.
IGNORED = {("dangerous-triggers", ".github/workflows/gate.yml"),
           ("self-repository", ".github/workflows/gate.yml"),
           ("dangerous-triggers", "gates/github/templates/gate.yml")}


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    assert Path(found).exists(), f"{name} is not installed (pip install -e '.[dev]')"
    return found


def _lint_targets() -> list[str]:
    files = [*sorted(WORKFLOWS.glob("*.yml")), ACTION, *sorted(TEMPLATES.glob("*.yml"))]
    return [str(path.relative_to(ROOT)) for path in files]


@pytest.fixture(scope="module")
def zizmor() -> dict[str, subprocess.CompletedProcess[str]]:
    """zizmor over every workflow, the action and the templates: as is, and with no ignores."""
    runs = {}
    for mode, extra in (("as-is", []), ("no-ignores", ["--no-ignores"])):
        runs[mode] = subprocess.run(
            [_tool("zizmor"), "--offline", "--no-config", "--persona", "auditor", "--format",
             "json", *extra, *_lint_targets()],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    return runs


@pytest.fixture(scope="module")
def schemas() -> list[subprocess.CompletedProcess[str]]:
    """check-jsonschema: the workflows and templates, then the action."""
    workflows = [t for t in _lint_targets() if t != "action.yml"]
    return [subprocess.run([_tool("check-jsonschema"), "--builtin-schema", schema, *files],
                           cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
            for schema, files in (("vendor.github-workflows", workflows),
                                  ("vendor.github-actions", ["action.yml"]))]


def _findings(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(done.stdout)
    return data


def _where(finding: dict[str, Any]) -> str:
    return str(finding["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"])


def test_zizmor_finds_nothing(zizmor: dict[str, subprocess.CompletedProcess[str]]) -> None:
    done = zizmor["as-is"]
    assert _findings(done) == [], done.stdout
    # zizmor exits 10 + the highest severity when it finds something, 1 when it fails to run.
    assert done.returncode == 0, done.stderr


def test_only_the_justified_findings_are_ignored(
        zizmor: dict[str, subprocess.CompletedProcess[str]]) -> None:
    found = {(f["ident"], _where(f)) for f in _findings(zizmor["no-ignores"])}
    assert found == IGNORED
    assert zizmor["no-ignores"].returncode >= 10


def test_the_linters_saw_every_file(zizmor: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """A file zizmor cannot parse is skipped with a warning: each must have been audited."""
    for target in _lint_targets():
        assert f"completed {target}" in zizmor["as-is"].stderr, zizmor["as-is"].stderr


def test_schemas_accept_the_workflows_and_the_action(
        schemas: list[subprocess.CompletedProcess[str]]) -> None:
    for done in schemas:
        assert done.returncode == 0, done.stdout + done.stderr
        assert "validation done" in done.stdout


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    return data


def _triggers(doc: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean true.
    on: dict[str, Any] = doc.get("on", doc.get(True))
    return on


def _steps(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in doc["jobs"].items():
        for step in job["steps"]:
            yield name, step


def _index(steps: list[dict[str, Any]], predicate: Any) -> int:
    return next(i for i, step in enumerate(steps) if predicate(step))


def _is_pr_checkout(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("actions/checkout@") and \
        step.get("with", {}).get("ref") == HEAD_SHA


@pytest.mark.parametrize("path", PRIVILEGED, ids=lambda p: str(p.relative_to(ROOT)))
def test_privileged_workflow_comes_from_the_base_and_reads_the_pr_as_data(path: Path) -> None:
    doc = _load(path)
    on = _triggers(doc)
    assert set(on) == {"pull_request_target"}
    assert set(on["pull_request_target"]["types"]) == PR_TYPES
    assert doc["permissions"] == {}
    assert "github.event.pull_request.number" in doc["concurrency"]["group"]
    assert doc["concurrency"]["cancel-in-progress"] is True
    (job,) = doc["jobs"].values()
    assert job["name"] == "draftgate"
    assert job["environment"] == {"name": "draftgate", "deployment": False}
    assert job["permissions"] == {"contents": "read", "pull-requests": "write",
                                  "checks": "read", "statuses": "write",
                                  "security-events": "write", "actions": "read"}
    text = path.read_text("utf-8")
    # The gate's inputs are chosen by the workflow, never by the cache the pull request could key.
    assert "cache:" not in text
    assert "GITHUB_ENV" not in text and "GITHUB_PATH" not in text


def test_template_checks_out_the_head_after_installing_and_never_runs_it() -> None:
    doc = _load(TEMPLATES / "gate.yml")
    steps = doc["jobs"]["gate"]["steps"]
    checkout = _index(steps, _is_pr_checkout)
    install = _index(steps, lambda s: "pip install" in s.get("run", ""))
    assert install < checkout  # nothing of the pull request is on disk when pip runs
    assert steps[install]["working-directory"] == "${{ runner.temp }}"
    assert " -I -m pip" in steps[install]["run"] and " -I -m venv" in steps[install]["run"]
    with_ = steps[checkout]["with"]
    assert with_["fetch-depth"] == 0 and with_["persist-credentials"] is False
    assert with_["path"] == "pr"
    (gate,) = [s for s in steps if s.get("id") == "gate"]
    assert gate["working-directory"] == "pr"
    assert gate["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    assert "check --pr --comment" in gate["run"]
    # After the checkout, only the gate and the status script (both written before it) and
    # pinned actions run.
    ours = ('"$RUNNER_TEMP/draftgate-venv/bin/gate"', '-I "$RUNNER_TEMP/draftgate-status.py"')
    for step in steps[checkout + 1:]:
        assert "uses" in step or any(run in step["run"] for run in ours), step
    pending = _index(steps, lambda s: s["name"] == "Mark the head commit pending")
    assert install < pending < checkout


def test_project_workflow_runs_the_base_branch_action_and_draftgate() -> None:
    doc = _load(WORKFLOWS / "gate.yml")
    assert _triggers(doc)["pull_request_target"]["branches"] == ["main"]
    trusted, gate = doc["jobs"]["gate"]["steps"]
    # The base branch (the default ref of pull_request_target), never the head.
    assert "ref" not in trusted["with"] and trusted["with"]["path"] == "trusted"
    assert trusted["with"]["persist-credentials"] is False
    assert gate["uses"] == "./trusted"
    assert gate["with"]["draftgate"] == "./trusted" and gate["with"]["path"] == "pr"


def test_action_checks_out_the_head_as_data_after_installing() -> None:
    steps = _load(ACTION)["runs"]["steps"]
    checkout = _index(steps, _is_pr_checkout)
    install = _index(steps, lambda s: s.get("id") == "install")
    assert install < checkout
    assert steps[install]["working-directory"] == "${{ runner.temp }}"
    with_ = steps[checkout]["with"]
    assert with_["fetch-depth"] == 0 and with_["persist-credentials"] is False
    gate = steps[_index(steps, lambda s: s.get("id") == "gate")]
    assert gate["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
    upload = steps[-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    # Under pull_request_target the defaults would file the alerts under the base branch.
    assert upload["with"]["sha"] == HEAD_SHA
    assert upload["with"]["ref"] == "refs/pull/${{ github.event.pull_request.number }}/head"


@pytest.mark.parametrize("path", UNPRIVILEGED, ids=lambda p: str(p.relative_to(ROOT)))
def test_command_stages_run_unprivileged(path: Path) -> None:
    doc = _load(path)
    assert set(_triggers(doc)) == {"pull_request"}
    assert doc["permissions"] == {}
    (job,) = doc["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert "environment" not in job
    expressions = re.findall(r"\$\{\{(.*?)\}\}", path.read_text("utf-8"))
    assert expressions and not [e for e in expressions if "secrets" in e or "token" in e]
    assert not [s for s in job["steps"] if "GITHUB_TOKEN" in s.get("env", {})]
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("gate" in run and "check --pr --only-commands" in run for run in runs)
    checkout = next(s for s in job["steps"] if _is_pr_checkout(s))
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False


ALL_FILES = (*PRIVILEGED, *UNPRIVILEGED, WORKFLOWS / "ci.yml", ACTION)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_reaches_a_shell_and_secrets_stay_in_one_step(path: Path) -> None:
    doc = _load(path)
    steps = doc["runs"]["steps"] if path == ACTION else [s for _, s in _steps(doc)]
    for step in steps:
        assert "${{" not in step.get("run", ""), step  # template injection
        if path == ACTION and "run" in step:
            assert step["shell"] == "bash"
    assert "env" not in doc and all("env" not in job for job in doc.get("jobs", {}).values())
    holders = [s for s in steps if "secrets." in json.dumps(s.get("env", {}))]
    assert len(holders) <= 1
    for step in holders:
        assert "uses" in step or "gate" in step["run"]


def test_actions_are_pinned_by_commit_with_their_version_and_alike_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in ALL_FILES:
        for line in path.read_text("utf-8").splitlines():
            if re.match(r"^\s*(?:-\s+)?uses:\s", line) and "./" not in line:
                match = SHA_PIN.match(line)
                assert match, f"{path.name}: not pinned by a full commit with its version: {line}"
                pins.setdefault(match[1], set()).add(line.split("@", 1)[1])
    assert set(pins) == {"actions/checkout", "actions/setup-python",
                         "github/codeql-action/upload-sarif", "actions/upload-artifact"}
    assert all(len(found) == 1 for found in pins.values()), pins


def test_action_interface() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"policy", "python-version", "draftgate", "args", "comment",
                                     "sarif", "path", "token", "status", "status-token",
                                     "review-key", "review-key-env", "teams-token",
                                     "teams-token-env", "record-artifact"}
    assert action["inputs"]["status"]["default"] == "draftgate"
    assert action["inputs"]["comment"]["default"] == "true"
    assert action["inputs"]["token"]["default"] == "${{ github.token }}"
    for name, output in action["outputs"].items():
        step_output = "code" if name == "exit-code" else name  # the process's own code
        assert output["value"] == f"${{{{ steps.gate.outputs.{step_output} }}}}"
    assert set(action["outputs"]) == {"outcome", "tier", "lane", "exit-code", "record"}


# --- the action's scripts, run by bash as the runner runs them --------------------------------

def _script(step_id: str) -> str:
    steps = _load(ACTION)["runs"]["steps"]
    return str(next(s for s in steps if s.get("id") == step_id)["run"])


def _outputs(path: Path) -> dict[str, list[str]]:
    """GITHUB_OUTPUT parsed as the runner does (``k=v`` and ``k<<DELIM`` blocks), every value kept
    so that a key written twice shows."""
    found: dict[str, list[str]] = {}
    lines = iter(path.read_text("utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            value = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            found.setdefault(key, []).append("\n".join(value))
        elif "=" in line:
            key, value_ = line.split("=", 1)
            found.setdefault(key, []).append(value_)
    return found


def _run_step(script: str, cwd: Path, env: dict[str, str],
              tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    output = tmp_path / "github_output"
    output.write_text("")
    file = tmp_path / "step.sh"
    file.write_text(script)
    environment = {**os.environ, "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path),
                   **env}
    # The runner's own command line for `shell: bash`.
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)],
                          cwd=cwd, env=environment, capture_output=True, text=True, check=False,
                          timeout=120)
    return done, _outputs(output)


FAKE_GATE = """#!/bin/sh
# Records its arguments (NUL-separated) and environment, and exits with $FAKE_EXIT.
printf '%s\\0' "$@" > "$ARGV"
env > "$ARGV.env"
exit "${FAKE_EXIT:-0}"
"""


@pytest.fixture
def step_env(tmp_path: Path) -> dict[str, str]:
    """The gate step's environment, with a ``gate`` that records how it was called."""
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "gate").write_text(FAKE_GATE)
    (venv / "gate").chmod(0o755)
    return {"DRAFTGATE_VENV": str(venv.parent), "ARGV": str(tmp_path / "argv"),
            "GITHUB_TOKEN": "", "DRAFTGATE_POLICY": "", "DRAFTGATE_ARGS": "",
            "DRAFTGATE_COMMENT": "true", "DRAFTGATE_SARIF": ""}


def _argv(env: dict[str, str]) -> list[str]:
    return Path(env["ARGV"]).read_text().split("\0")[:-1]


def test_gate_step_builds_the_command_line(step_env: dict[str, str], tmp_path: Path) -> None:
    env = {**step_env, "DRAFTGATE_POLICY": "policies/team gate.yaml",
           "DRAFTGATE_SARIF": "out/x.sarif", "DRAFTGATE_ARGS": " --no-cache\n\t--explain  "}
    done, _ = _run_step(_script("gate"), tmp_path, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert _argv(env) == ["check", "--pr", "--policy", "policies/team gate.yaml", "--comment",
                          "--sarif-output", str(tmp_path / "out/x.sarif"), "--no-cache",
                          "--explain"]
    env = {**step_env, "DRAFTGATE_COMMENT": "false", "DRAFTGATE_SARIF": "/abs/x.sarif"}
    _run_step(_script("gate"), tmp_path, env, tmp_path)
    assert _argv(env) == ["check", "--pr", "--sarif-output", "/abs/x.sarif"]


def test_gate_step_passes_args_as_words_never_to_a_shell(step_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    hostile = "$(touch pwned1) `touch pwned2` ;touch pwned3 * && touch pwned4 $HOME"
    env = {**step_env, "DRAFTGATE_ARGS": hostile}
    done, _ = _run_step(_script("gate"), tmp_path, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert _argv(env)[3:] == hostile.split()
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.parametrize(("code", "outcome"), [(1, "block"), (2, "error"), (3, "pending"),
                                               (4, "tool-failure"), (139, "tool-failure")])
def test_gate_step_fails_on_every_nonzero_code_and_says_it(
        step_env: dict[str, str], tmp_path: Path, code: int, outcome: str) -> None:
    done, outputs = _run_step(_script("gate"), tmp_path, {**step_env, "FAKE_EXIT": str(code)},
                              tmp_path)
    assert done.returncode == code
    # A gate that stopped before writing its outputs: the step says what happened.
    assert outputs == {"code": [str(code)], "outcome": [outcome]}


def test_gate_step_refuses_a_comment_flag_it_does_not_know(step_env: dict[str, str],
                                                           tmp_path: Path) -> None:
    done, outputs = _run_step(_script("gate"), tmp_path, {**step_env, "DRAFTGATE_COMMENT": "yes"},
                              tmp_path)
    assert done.returncode == 2 and "comment must be true or false" in done.stdout
    assert outputs == {} and not Path(step_env["ARGV"]).exists()  # the gate never ran


@pytest.fixture
def pull_request(seeded: Repo, tmp_path: Path) -> tuple[Repo, dict[str, str]]:
    """A low-tier pull request (a README edit), its event file and a venv holding ``gate``."""
    base = seeded.git("rev-parse", "HEAD").strip()
    seeded.write("README.md", "# app\n\nMore words.\n")
    head = seeded.commit("docs")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 7, "pull_request": {
        "number": 7, "base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "docs"}}}))
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "gate").symlink_to(_tool("gate"))
    return seeded, {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request_target",
                    "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
                    "GITHUB_TOKEN": "", "DRAFTGATE_VENV": str(venv.parent),
                    "DRAFTGATE_POLICY": "", "DRAFTGATE_ARGS": "", "DRAFTGATE_COMMENT": "false",
                    "DRAFTGATE_SARIF": ""}


def test_gate_step_runs_the_real_gate(pull_request: tuple[Repo, dict[str, str]],
                                      tmp_path: Path) -> None:
    repo, env = pull_request
    done, outputs = _run_step(_script("gate"), repo.root, {**env, "DRAFTGATE_SARIF": "x.sarif"},
                              tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    # The gate's own outputs, once each (the step adds no outcome when the gate wrote one).
    assert outputs["outcome"] == ["pass"] and outputs["exit-code"] == ["0"]
    assert outputs["code"] == ["0"]
    assert outputs["tier"] == ["low"]
    # The SARIF file lands outside the pull request's tree, and the upload step is told where.
    assert outputs["sarif"] == [str(tmp_path / "x.sarif")]
    assert json.loads((tmp_path / "x.sarif").read_text())["version"] == "2.1.0"
    assert not list(repo.root.glob("*.sarif"))
    done, outputs = _run_step(_script("gate"), repo.root,
                              {**env, "DRAFTGATE_POLICY": "no such policy.yaml"}, tmp_path)
    assert done.returncode == 2 and "no such policy.yaml" in done.stderr
    assert outputs == {"code": ["2"], "outcome": ["error"]}


FAKE_PYTHON = """#!/bin/sh
# Records how it was called; `-m venv DIR` makes DIR/bin/{python,gate}.
printf '%s|%s\\n' "$PWD" "$*" >> "$CALLS"
if [ "$2" = "-m" ] && [ "$3" = "venv" ]; then
  mkdir -p "$5/bin" && ln -s "$0" "$5/bin/python" && ln -s "$0" "$5/bin/gate"
fi
"""


@pytest.mark.parametrize(("requirement", "installs"), [
    ("", "{action}"),
    ("./trusted", "{workspace}/./trusted"),
    ("draftgate==9.9.9", "draftgate==9.9.9"),
    ("--index-url=http://evil.invalid/ x", "--index-url=http://evil.invalid/ x"),
])
def test_install_step_resolves_the_requirement_outside_the_pull_request(
        tmp_path: Path, requirement: str, installs: str) -> None:
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    calls = tmp_path / "calls"
    runner_temp = tmp_path / "temp"
    runner_temp.mkdir()
    env = {"DRAFTGATE_PYTHON": str(python), "DRAFTGATE_REQUIREMENT": requirement,
           "GITHUB_ACTION_PATH": "/actions/draftgate", "GITHUB_WORKSPACE": "/work/space",
           "CALLS": str(calls), "RUNNER_TEMP": str(runner_temp)}
    done, outputs = _run_step(_script("install"), runner_temp, env, tmp_path)
    assert done.returncode == 0, done.stderr
    venv = str(runner_temp / "draftgate-venv")
    assert outputs["venv"] == [venv]
    made, pip, version = calls.read_text().splitlines()
    assert made == f"{runner_temp}|-I -m venv -- {venv}"
    expected = installs.format(action="/actions/draftgate", workspace="/work/space")
    # After "--" pip takes the requirement as one argument, never as an option.
    assert pip == (f"{runner_temp}|-I -m pip install --quiet --disable-pip-version-check "
                   f"--no-input -- {expected}")
    assert version.endswith("|--version")


class _StatusAPI(http.server.BaseHTTPRequestHandler):
    """POST /repos/{owner}/{repo}/statuses/{sha}, as GitHub answers it (201)."""

    received: ClassVar[list[tuple[str, dict[str, str], dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def status_api() -> Iterator[tuple[str, list[tuple[str, dict[str, str], dict[str, Any]]]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusAPI)
    _StatusAPI.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _StatusAPI.received
    server.shutdown()
    server.server_close()


def _status_env(api: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"GH_TOKEN": "t0ken", "DRAFTGATE_PYTHON": sys.executable,
            "DRAFTGATE_STATUS": "draftgate", "DRAFTGATE_HEAD": "a" * 40,
            "DRAFTGATE_BASE": "release/2.x",
            "GITHUB_API_URL": api, "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_REPOSITORY": "octo/app", "GITHUB_RUN_ID": "42",
            "RUNNER_TEMP": str(tmp_path), **extra}


def _step_named(name: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    return next(step for step in steps if step.get("name") == name)


def test_status_goes_pending_then_carries_the_verdict(
        status_api: tuple[str, list[Any]], tmp_path: Path) -> None:
    api, received = status_api
    steps = _load(ACTION)["runs"]["steps"]
    pending = _step_named("Mark the head commit pending", steps)
    env = _status_env(api, tmp_path, DRAFTGATE_EXIT="running")
    done, _ = _run_step(pending["run"], tmp_path, env, tmp_path)
    assert done.returncode == 0, done.stderr
    final = _step_named("Post the verdict on the head commit", steps)
    verdicts = {"0": "success", "1": "failure", "2": "error", "3": "pending", "4": "error",
                "": "error"}  # no code at all: the gate step never finished
    for code in verdicts:
        done, _ = _run_step(final["run"], tmp_path, _status_env(api, tmp_path, DRAFTGATE_EXIT=code),
                            tmp_path)
        assert done.returncode == 0, done.stderr
    assert [body["state"] for _, _, body in received] == ["pending", *verdicts.values()]
    path, headers, body = received[0]
    assert path == f"/repos/octo/app/statuses/{'a' * 40}"
    assert headers["Authorization"] == "Bearer t0ken"
    # One status per base branch: retargeting the pull request does not carry a verdict over.
    assert body == {"state": "pending", "context": "draftgate/release/2.x",
                    "description": "draftgate is judging this commit",
                    "target_url": "https://github.example/octo/app/actions/runs/42"}
    assert "approval label" in received[4][2]["description"]


def test_status_refuses_a_head_that_is_not_a_commit(
        status_api: tuple[str, list[Any]], tmp_path: Path) -> None:
    api, received = status_api
    pending = _step_named("Mark the head commit pending", _load(ACTION)["runs"]["steps"])
    for head in ("../../../user", "a" * 39, "A" * 40, "a" * 40 + "\n"):
        env = _status_env(api, tmp_path, DRAFTGATE_EXIT="running", DRAFTGATE_HEAD=head)
        done, _ = _run_step(pending["run"], tmp_path, env, tmp_path)
        assert done.returncode != 0 and "not a commit" in done.stderr
    assert received == []


def test_status_fails_the_step_when_github_refuses(tmp_path: Path) -> None:
    """GitHub unreachable (or refusing): the step fails rather than leave an old verdict."""
    pending = _step_named("Mark the head commit pending", _load(ACTION)["runs"]["steps"])
    env = _status_env("http://127.0.0.1:9", tmp_path, DRAFTGATE_EXIT="running")
    done, _ = _run_step(pending["run"], tmp_path, env, tmp_path)
    assert done.returncode != 0


def test_template_posts_the_status_with_the_actions_script() -> None:
    steps = _load(TEMPLATES / "gate.yml")["jobs"]["gate"]["steps"]
    action_steps = _load(ACTION)["runs"]["steps"]
    mine = _step_named("Mark the head commit pending", steps)["run"]
    theirs = _step_named("Mark the head commit pending", action_steps)["run"]
    script = theirs[theirs.index("<<'PY'"):theirs.index("\nPY\n")]
    assert script in mine
    final = _step_named("Post the verdict on the head commit", steps)
    assert final["env"]["DRAFTGATE_EXIT"] == "${{ steps.gate.outputs.code }}"
    for step in (final, *[s for s in action_steps if "DRAFTGATE_STATUS" in s.get("env", {})]):
        assert step["env"]["DRAFTGATE_HEAD"] == HEAD_SHA
        assert step["env"]["DRAFTGATE_BASE"] == "${{ github.event.pull_request.base.ref }}"
    assert final["if"] == "${{ !cancelled() }}"


# --- gate init --github -------------------------------------------------------------------------

def test_write_workflow_writes_both_files_pinned_to_this_version(tmp_path: Path) -> None:
    lines = workflow.write_workflow(tmp_path, force=False)
    folder = tmp_path / ".github" / "workflows"
    for source, target in workflow.FILES.items():
        written = (folder / target).read_text("utf-8")
        shipped = (TEMPLATES / source).read_text("utf-8")
        assert written == shipped.replace("@VERSION@", __version__)
        assert f"draftgate=={__version__}" in written and "@VERSION@" not in written
        assert f"wrote .github/workflows/{target}" in lines
    assert len(list(folder.iterdir())) == 2


def test_write_workflow_never_overwrites_without_force(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "draftgate.yml").write_text("mine\n")
    with pytest.raises(UsageError, match=r"^\.github/workflows/draftgate\.yml already exists: "
                                         r"use --force to replace$"):
        workflow.write_workflow(tmp_path, force=False)
    assert (folder / "draftgate.yml").read_text() == "mine\n"
    assert not (folder / "draftgate-commands.yml").exists()  # nothing half-written
    (folder / "draftgate-commands.yml").write_text("mine too\n")
    with pytest.raises(UsageError, match=r"draftgate\.yml and .*-commands\.yml already exist:"):
        workflow.write_workflow(tmp_path, force=False)
    workflow.write_workflow(tmp_path, force=True)
    assert "pull_request_target" in (folder / "draftgate.yml").read_text()
    assert "--only-commands" in (folder / "draftgate-commands.yml").read_text()


def test_write_workflow_replaces_a_symlink_instead_of_writing_through_it(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep\n")
    (folder / "draftgate.yml").symlink_to(elsewhere)
    with pytest.raises(UsageError, match=r"draftgate\.yml already exists"):
        workflow.write_workflow(root, force=False)
    workflow.write_workflow(root, force=True)
    assert elsewhere.read_text() == "keep\n"
    assert not (folder / "draftgate.yml").is_symlink()


def test_write_workflow_refuses_a_workflows_folder_outside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".github").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".github" / "workflows").symlink_to(outside)
    with pytest.raises(UsageError, match="outside the repository"):
        workflow.write_workflow(root, force=True)
    assert list(outside.iterdir()) == []


def test_gate_init_github_through_the_cli(seeded: Repo) -> None:
    done = seeded.gate("init", "--github")
    assert done.returncode == 0, done.stderr
    assert (seeded.root / ".github" / "workflows" / "draftgate.yml").is_file()
    assert not (seeded.root / ".gate.yaml").exists()  # --github writes the workflows only
    again = seeded.gate("init", "--github")
    assert again.returncode == 2 and "use --force" in again.stderr
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    assert seeded.gate("init", "--github", "--force").returncode == 0


def test_gate_step_hands_the_secrets_over_under_the_policys_names(step_env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    env = {**step_env, "DRAFTGATE_REVIEW_KEY": "sk-secret", "DRAFTGATE_REVIEW_KEY_ENV":
           "ANTHROPIC_API_KEY", "DRAFTGATE_TEAMS_TOKEN": "", "DRAFTGATE_TEAMS_TOKEN_ENV":
           "DRAFTGATE_TEAMS_TOKEN"}
    done, _ = _run_step(_script("gate"), tmp_path, env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = Path(step_env["ARGV"] + ".env").read_text()
    assert "ANTHROPIC_API_KEY=sk-secret" in seen
    assert "DRAFTGATE_REVIEW_KEY=" not in seen  # only under its one name


@pytest.mark.parametrize("name", ["PATH", "LD_PRELOAD", "GITHUB_TOKEN", "PYTHONPATH",
                                  "a b", "X=1 Y_KEY"])
def test_gate_step_refuses_to_export_a_key_as_any_other_variable(
        step_env: dict[str, str], tmp_path: Path, name: str) -> None:
    env = {**step_env, "DRAFTGATE_REVIEW_KEY": "sk-secret", "DRAFTGATE_REVIEW_KEY_ENV": name,
           "DRAFTGATE_TEAMS_TOKEN": "", "DRAFTGATE_TEAMS_TOKEN_ENV": "DRAFTGATE_TEAMS_TOKEN"}
    done, _ = _run_step(_script("gate"), tmp_path, env, tmp_path)
    assert done.returncode == 2 and "not a variable name" in done.stdout
    assert not Path(step_env["ARGV"]).exists()
