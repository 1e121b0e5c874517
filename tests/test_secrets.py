"""Secrets in a change: detect-secrets and our plugins behind an RE2 prefilter (gates.secrets).

Classification runs in-process through gates.classify with the shipped default policy; the
samples below are fake, but shaped like the real thing. tests/test_review_http.py plants the same
samples and checks that none reaches a model endpoint.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import pytest
from detect_secrets.plugins.keyword import DENYLIST

from gates.classify import Rules, classify_file
from gates.hunks import whole_file_patch
from gates.model import ChangedFile, FileClass, FileStatus, Match
from gates.policy import source
from gates.secrets import DETECTORS
from gates.secrets.prefilter import Prefilter

from .conftest import Repo

AWS = "AKIA2E7XPQ4LZ6WM3JRB"
FINE_PAT = ("github_pat_11AJQ7ZXY0kT3bLmNpQrSt_"
            "Vw8Ys1Bn6Hc3Kd5Fg0JjXq7Lm2Pz9Rt4aB5cD6eF7gH8iJ9kL0mN1oP2qR3sT4u")
ANTHROPIC = "sk-ant-api03-Xq7Lm2Pz9Rt4Vw8Ys1Bn6Hc3Kd5Fg0JjZk4Wq-Tr8Yp2AA"
HF = "hf_XyZaBcDeFgHiJkLmNoPqRsTuVwXyZaBcDe"
KUBE_KEY = base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7Q2vR9").decode()
PUTTY_PRIVATE = "AAAAIFxq3kT9mB2nV7cR4wZ8yL1pH6sJ0dG5fA3eK9tU2oMi"
PUTTY = ("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@jump\n"
         "Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIOqT7vX2bN9mK4cR8wL1pY6sH3jD0fG5\n"
         f"aE2kU9tQ7oMz\nPrivate-Lines: 1\n{PUTTY_PRIVATE}\n"
         "Private-MAC: 7c1a9e4b2d8f6035a1c7e9b3d5f2084a6c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d\n")
DB_PASSWORD = "Zq4!vW9#pL2s"
YAML_PASSWORD = "Tr7xQ2mK9vLp"
NOTEBOOK_KEY = "q8Zr2LmX0vT9kWp4Yb6N"
NOTEBOOK = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                  "execution_count": None,
                                  "source": ["import client\n",
                                             f'api_key = "{NOTEBOOK_KEY}"\n']}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)

# (path, content, the secret, the category that must hold it at high tier)
PLANTED = [
    ("app/aws.py", f'AWS_ACCESS_KEY_ID = "{AWS}"\n', AWS, "secrets"),
    ("tools/release.py", f'GITHUB = "{FINE_PAT}"\n', FINE_PAT, "secrets"),
    ("app/llm.py", f'client = Anthropic(api_key="{ANTHROPIC}")\n', ANTHROPIC, "secrets"),
    ("app/hub.py", f'login(token="{HF}")\n', HF, "secrets"),
    ("deploy/kube.conf", f"users:\n- name: ci\n  user:\n    client-key-data: {KUBE_KEY}\n",
     KUBE_KEY, "secrets"),
    ("deploy/jump-host.txt", PUTTY, PUTTY_PRIVATE, "secrets"),
    ("deploy/app.env", f"DB_HOST=db\nDB_PASSWORD={DB_PASSWORD}\n", DB_PASSWORD, "secrets"),
    ("config/database.yaml", f"production:\n  database_password: {YAML_PASSWORD}\n",
     YAML_PASSWORD, "credentials"),
    ("notebooks/explore.ipynb", NOTEBOOK, NOTEBOOK_KEY, "credentials"),
]


def changed(path: str, text: str | bytes) -> ChangedFile:
    data = text.encode() if isinstance(text, str) else text
    return ChangedFile(path, FileStatus.ADDED, new_mode="100644", patch=whole_file_patch(data),
                       added=data.count(b"\n"))


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules(source.default())


def classified(rules: Rules, path: str, text: str | bytes) -> FileClass:
    return classify_file(rules, changed(path, text))


def detector_hits(fc: FileClass) -> list[Match]:
    return [m for m in fc.matches if m.rule.endswith(".detector")]


@pytest.mark.parametrize(("path", "text", "secret", "category"), PLANTED,
                         ids=[p for p, *_ in PLANTED])
def test_each_planted_secret_is_high_and_never_shown(rules: Rules, path: str, text: str,
                                                     secret: str, category: str) -> None:
    fc = classified(rules, path, text)
    assert fc.tier == "high"
    assert any(m.category == category for m in fc.matches), fc.matches
    assert detector_hits(fc), fc.matches  # the detector saw it, not only a path rule
    for match in fc.matches:
        assert secret not in (match.evidence.text or "")
        assert secret[:12] not in (match.evidence.text or "")


def test_a_detector_hit_names_the_plugin_side_and_line(rules: Rules) -> None:
    fc = classified(rules, "app/aws.py", f"import os\n\nKEY = '{AWS}'\n")
    (hit,) = detector_hits(fc)
    assert (hit.rule, hit.pattern, hit.evidence.line) == ("secrets.detector", "AWSKeyDetector", 3)
    assert hit.evidence.text == "KEY = '[REDACTED:AWSKeyDetector]'"


NOT_SECRETS = [
    ("app/digests.py",
     'EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"\n'),
    ("app/pins.py", 'KNOWN_GOOD_COMMIT = "9f73a78c1e2b4d5f6a7b8c9d0e1f2a3b4c5d6e7f"\n'
                    'secret_sha = "9f73a78c1e2b4d5f6a7b8c9d0e1f2a3b4c5d6e7f"\n'),
    ("tests/test_codec.py",
     'BLOB = "U29tZSByYW5kb20gYmFzZTY0IHRlc3QgZGF0YSB3aXRoIGVudHJvcHkh+/9zQ=="\n'),
    ("app/login.py", "password = get_password()\nsecret = os.environ['APP_SECRET']\n"),
    ("config/app.yaml", "password: ${DB_PASSWORD}\napi_key: '{{ api_key }}'\n"
                        "secret_key: <your-secret-key>\ntoken: changeme\n"),
    ("app/nlp.py", 'tokenizer = "bert-base-uncased"\ntoken_url = "https://example.org/t"\n'),
    ("app/forms.py", 'password_field = "password_input_box"\n'
                     'PASSWORD_PROMPT = "Enter your password"\n'),
    ("tests/test_login.py", 'client.login(password="Xk9#mPq2vLzW")\n'),
    ("docs/install.md", 'Connect with `postgres://scott:Tig3r-Pass@localhost/db`.\n'),
    ("lib/engine.py", "e = create_engine('postgresql://scott:tiger@localhost/test')\n"),
    ("conf/settings.xml", "<password>${env.MAVEN_PASSWORD}</password>\n"),
    ("app/s.py", 'password = b""\n'),
    # replayed paramiko: a message-name table and a changelog line about key formats
    ("paramiko/common.py", "    MSG_USERAUTH_GSSAPI_TOKEN: 'userauth-gssapi-token',\n"),
    ("sites/www/changelog.rst", "  ``BEGIN OPENSSH PRIVATE KEY`` headers instead of PEM's\n"),
]


@pytest.mark.parametrize(("path", "text"), NOT_SECRETS, ids=[p for p, _ in NOT_SECRETS])
def test_constants_references_templates_and_fixtures_are_not_secrets(rules: Rules, path: str,
                                                                    text: str) -> None:
    fc = classified(rules, path, text)
    assert not detector_hits(fc), fc.matches


def test_a_real_key_format_in_a_test_is_still_a_leak(rules: Rules) -> None:
    fc = classified(rules, "tests/test_s3.py", f'KEY = "{AWS}"\npassword = "Xk9#mPq2vLzW"\n')
    assert [m.rule for m in detector_hits(fc)] == ["secrets.detector"]


@pytest.mark.parametrize(("path", "line"), [
    # detect-secrets' own line and file filters would hide each of these: not applied.
    ("app/x.py", f'KEY = "{AWS}"  # pragma: allowlist secret\n'),
    ("app/swagger_client.py", f'KEY = "{AWS}"\n'),
    ("app/theme.css", f"/* {AWS} */\n"),
    ("poetry.lock", f'token = "{AWS}"\n'),
    ("app/x.py", 'user_id = 7; password = "Xk9#mPq2vLzW"\n'),
    ("app/x.py", 'password = "Xk9#mPq2vLzW"; check = verify(user)\n'),
    # what Python or a JSON reader decodes: escapes, joined literals, invisible characters
    ("app/x.py", 'KEY = "\\x41KIA2E7XPQ4LZ6WM3JRB"\n'),
    ("app/x.py", 'KEY = "\\u0041KIA2E7XPQ4LZ6WM3JRB"\n'),
    ("app/x.py", 'KEY = "AKIA2E7X" "PQ4LZ6WM3JRB"\n'),
    ("app/x.py", 'KEY = "AKIA2E7X" + "PQ4LZ6WM3JRB"\n'),
    ("app/x.py", 'KEY = "AKIA2E7X\u200bPQ4LZ6WM3JRB"\n'),
    ("app/x.py", f'KEY = "{AWS}"\r\n'),
    ("app/config.py", 'SETTINGS = {"db_password": "Xk9#mPq2vLzW"}\n'),
    ("deploy/run.sh", "export API-KEY=Xk9mPq2vLzW4\n"),
    ("app/settings.toml", 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8kLmN2pR"\n'),
    ("app/settings.ini", "[db]\npassword = Xk9mPq2vLzW4\n"),
    ("app/settings.py", 'API_PASSWORD = "correct-horse-battery"\n'),  # a passphrase, not a label
    # string prefixes, parentheses and triple quotes are the same literal to Python
    ("app/s.py", 'password = b"Xk9#mPq2vLzW"\n'),
    ("app/s.py", "password = rb'Xk9#mPq2vLzW'\n"),
    ("app/s.py", 'password = ("Xk9#mPq2vLzW")\n'),
    ("app/s.py", 'password = """Xk9#mPq2vLzW"""\n'),
    ("deploy/run.sh", "PASSWORD=Xk9#mPq2vLzW ./run --fast\n"),
    ("conf/settings.xml", "<server><password>Xk9#mPq2vLzW</password></server>\n"),
    ("app/web.config", '<add key="DbPassword" value="Xk9#mPq2vLzW"/>\n'),
    ("Dockerfile", "ENV DB_PASSWORD=Xk9mPq2vLzW4\n"),
    ("app/s.py", "DSN = 'postgresql://app:pa$$W0rd!x9@db/app'\n"),
    ("deploy/tls.yaml", "tls.key: " + base64.b64encode(
        b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIO").decode() + "\n"),
    ("app/keys.py", "PEM = '''-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
])
def test_hostile_spellings_are_still_found(rules: Rules, path: str, line: str) -> None:
    fc = classified(rules, path, line)
    assert fc.tier == "high" and detector_hits(fc), fc.matches


def test_a_stray_latin1_byte_does_not_hide_a_key(rules: Rules) -> None:
    fc = classified(rules, "app/k.py", b'KEY = "\xe9 ' + AWS.encode() + b'"\n')
    assert detector_hits(fc)


def test_a_removed_secret_counts_too(rules: Rules) -> None:
    patch = f"@@ -1,2 +1,1 @@\n-KEY = '{AWS}'\n x = 1\n".encode()
    fc = classify_file(rules, ChangedFile("app/k.py", FileStatus.MODIFIED, old_mode="100644",
                                          new_mode="100644", patch=patch, removed=1))
    (hit,) = detector_hits(fc)
    assert hit.evidence.side.value == "removed" and hit.evidence.line == 1


def test_other_rules_evidence_on_a_secret_line_is_masked(rules: Rules) -> None:
    fc = classified(rules, "app/k.py", f"digest = hashlib.md5(b'{AWS}')\n")
    assert {m.category for m in fc.matches} >= {"crypto", "secrets"}
    assert all(AWS not in (m.evidence.text or "") for m in fc.matches)


def test_a_huge_hostile_line_is_scanned_in_bounded_time(rules: Rules) -> None:
    line = "password = '" + "a" * 200_000 + "'" + " password=" * 20_000 + f" {AWS}\n"
    started = time.perf_counter()
    fc = classified(rules, "app/big.cfg", line)
    assert time.perf_counter() - started < 5
    assert {m.pattern for m in detector_hits(fc)} >= {"AWSKeyDetector", "LineTooLongToScan"}
    # a run of names backtracks quadratically in the keyword shapes unless runs are cut
    started = time.perf_counter()
    classified(rules, "app/names.cfg", "".join("password" * 250 + "\n" for _ in range(200)))
    assert time.perf_counter() - started < 5
    dense = " ".join(f"password{i}=x" for i in range(400)) + ' password="Xk9#mPq2vLzW"\n'
    fc = classified(rules, "app/dense.cfg", dense)
    assert {m.pattern for m in detector_hits(fc)} == {"TooManyAssignments"}


def test_the_prefilter_covers_detect_secrets_keywords() -> None:
    prefilter = Prefilter(DETECTORS)
    for word in DENYLIST:
        for spelled in {word.replace("_?", "_"), word.replace("_?", "").upper()}:
            line = f"+{spelled} = 'x'\n".encode()
            assert list(prefilter.lines(line)), spelled


@pytest.mark.parametrize(("path", "text", "secret", "category"), PLANTED,
                         ids=[p for p, *_ in PLANTED])
def test_the_prefilter_picks_every_planted_line(path: str, text: str, secret: str,
                                                category: str) -> None:
    patch = whole_file_patch(text.encode())
    assert list(Prefilter(DETECTORS).lines(patch)), path


def test_every_key_plugin_has_a_prefilter_anchor() -> None:
    from gates.secrets.detector import KEY_PLUGINS

    samples = {
        "AWSKeyDetector": AWS,
        "GitHubTokenDetector": "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6",
        "GitLabTokenDetector": "glpat-" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt",
        "SlackDetector": "xoxb-123456789012-abcdefghijkl", "StripeDetector": "sk_live_" + "a1" * 12,
        "NpmDetector": "//registry.npmjs.org/:_authToken=npm_" + "a1B2" * 9,
        "PypiTokenDetector": "pypi-AgEIcHlwaS5vcmc" + "A1b2" * 20,
        "JwtTokenDetector": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "PrivateKeyDetector": "-----BEGIN RSA PRIVATE KEY-----",
        "OpenAIDetector": "sk-" + "a1" * 10 + "T3BlbkFJ" + "b2" * 10,
        "SendGridDetector": "SG." + "a" * 22 + "." + "b" * 43,
        "SquareOAuthDetector": "sq0csp-" + "c" * 43,
        "AzureStorageKeyDetector": "AccountKey=" + "d" * 88,
        "FineGrainedGitHubTokenDetector": FINE_PAT, "AnthropicKeyDetector": ANTHROPIC,
        "OpenAIProjectKeyDetector": "sk-proj-" + "R7x" * 10, "HuggingFaceTokenDetector": HF,
        "GoogleApiKeyDetector": "AIza" + "SyB3" * 8 + "xYz",
        "PemPrivateKeyDetector": "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "PuttyKeyDetector": "PuTTY-User-Key-File-2: ssh-rsa",
        "KubeconfigKeyDetector": f"client-key-data: {KUBE_KEY}",
        "Base64PrivateKeyDetector": KUBE_KEY,
        "NpmAccessTokenDetector": "npm_q8Ks2LmZp0XcV3nB7tRw1YhJ4dGf6EaU9iOo",
        "SlackAppTokenDetector": "xapp-1-A05R7QJ3M9K-6011893377351-6b1f0c2e9d4a7b",
        "StripeSecretDetector": "whsec_4fK9sLq2Xv7BzR1mT8nW3yP6dH0gJ5cE",
        "GitLabTokensDetector": "glffct-Hs4Kd9Vm2Qx7Rp1THs4Kd9",
    }
    prefilter = Prefilter(DETECTORS)
    for plugin in KEY_PLUGINS:
        name = type(plugin).__name__
        sample = samples[name]
        assert list(plugin.analyze_string(sample)), name
        assert list(prefilter.lines(f"+x = '{sample}'\n".encode())), name


def test_only_shapes_in_keys_and_names_in_assignments() -> None:
    from gates.secrets.detector import scan_line

    assert [s.family for s in scan_line(f"x = '{AWS}'", "a.py", {"assignments"})] == []
    assert [s.family for s in scan_line("password = 'Xk9#mPq2vLzW'", "a.py", {"keys"})] == []


def test_the_command_line_does_not_import_the_detector() -> None:
    code = "import sys, gates.cli; print('detect_secrets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_a_policy_may_use_the_detectors_and_must_name_them(tmp_path: pytest.TempPathFactory
                                                           ) -> None:
    from pathlib import Path

    from gates.errors import PolicyError

    root = Path(str(tmp_path))
    good = root / "good.yaml"
    good.write_text("extends: default\ncategories:\n  leaks: {tier: medium, detect: [keys]}\n")
    policy = source.from_file(good)
    assert next(c for c in policy.categories if c.name == "leaks").detect == ("keys",)
    bad = root / "bad.yaml"
    bad.write_text("extends: default\ncategories:\n  leaks: {tier: medium, detect: [entropy]}\n")
    with pytest.raises(PolicyError, match="unknown detector 'entropy'") as caught:
        source.from_file(bad)
    assert caught.value.key == "categories.leaks.detect[0]"


def test_reports_name_the_detector_and_never_print_the_key(seeded: Repo) -> None:
    seeded.write("app/aws.py", f'KEY = "{AWS}"\n')
    for fmt in ("terminal", "json"):
        done = seeded.gate("check", "--format", fmt)
        assert "AWSKeyDetector" in done.stdout, done.stdout + done.stderr
        assert AWS not in done.stdout + done.stderr


def test_a_secret_like_name_in_a_test_file_costs_no_detector_import() -> None:
    # credentials leaves tests out, so only the key detector reads this file: "password" is no
    # candidate there, and the hook pays nothing for it.
    code = ("import sys\nfrom gates.policy import source\n"
            "from gates.classify import Rules, classify_file\n"
            "from gates.hunks import whole_file_patch\n"
            "from gates.model import ChangedFile, FileStatus\n"
            "patch = whole_file_patch(b'password = \"Xk9#mPq2vLzW\"\\n')\n"
            "f = ChangedFile(sys.argv[1], FileStatus.ADDED, new_mode='100644', patch=patch)\n"
            "classify_file(Rules(source.default()), f)\n"
            "print('detect_secrets' in sys.modules)\n")

    def imported(path: str) -> str:
        return subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                              check=True).stdout.strip()
    assert imported("tests/test_login.py") == "False"
    assert imported("app/login.py") == "True"


def test_a_file_of_many_keys_is_counted_not_each_read(rules: Rules) -> None:
    keys = "".join(f"K{i} = 'AKIA{i:016d}'\n" for i in range(50_000))
    started = time.perf_counter()
    fc = classified(rules, "tests/fixtures/keys.py", keys + f"digest = hashlib.md5(b'{AWS}')\n")
    assert time.perf_counter() - started < 10
    assert fc.tier == "high" and fc.truncated >= 50_000 - 256
    # a line the detector did not read shows no evidence text at all
    (crypto,) = [m for m in fc.matches if m.category == "crypto"]
    assert crypto.evidence.text == "[not shown: not read for secrets]"


def judged_files(repo: Repo, files: dict[str, str]) -> dict[str, FileClass]:
    """Stage ``files`` in a real repository and classify them through the engine."""
    from gates.engine import Request, explain
    from gates.model import SourceKind

    for path, text in files.items():
        repo.write(path, text)
    decision = explain(Request(SourceKind.STAGED, cwd=repo.root))
    return {fc.file.path: fc for fc in decision.classification.files}


PW = "Qm7Xr2Lp9Kz4Wt6V"
MISSED = {
    # token shapes detect-secrets lacks, in a test (the key detector reads tests too)
    "tests/test_npm.py": 'NPM_PUBLISH = "npm_q8Ks2LmZp0XcV3nB7tRw1YhJ4dGf6EaU9iOo"\n',
    "tests/test_slack.py": 'APP = "xapp-1-A05R7QJ3M9K-6011893377351-6b1f0c2e9d4a7b8c3e5f1a2d"\n',
    "tests/test_hook.py": 'WEBHOOK = "whsec_4fK9sLq2Xv7BzR1mT8nW3yP6dH0gJ5cE"\n',
    "tests/test_stripe.py": 'KEY = "rk_live_51Hh2FDEEtfjgVvVqE1SkHbn88aQ7xLm2Pz9Rt4Vw8"\n',
    "tests/test_ci.py": 'JOB = "glcbt-64_Hs4Kd9Vm2Qx7Rp1THs4Kd9"\n',
    "tests/test_mail.py": 'INCOMING = "glimt-Hs4Kd9Vm2Qx7Rp1THs4Kd9QaZ"\n',
    "tests/test_flags.py": 'FLAGS = "glffct-Hs4Kd9Vm2Qx7Rp1THs4Kd9"\n',
    # assignments in shapes the keyword regexes do not read
    "app/db.py": f'DB_PASSWORD = os.getenv("DB_PASSWORD", "{PW}")\n',
    "app/web.js": f'const pw = process.env.DB_PASSWORD || "{PW}";\n',
    "app/cache.py": 'URL = "redis://:Zt5Nc8Hq1Yw3Lb7P@cache.prod.internal:6379/0"\n',
    "app/settings.py": f'class Settings(BaseSettings):\n    db_password: str = "{PW}"\n',
    "config/anchor.yaml": f"defaults: &db\n  password: &dbpw {PW}\n",
    "k8s/billing/deployment.yaml": "env:\n  - name: DB_PASSWORD\n"
                                   f"    value: {PW}\n",
    "deploy/task.json": f'[{{"name": "DB_PASSWORD", "value": "{PW}"}}]\n',
    "deploy/params.json": f'[\n  {{\n    "name": "DB_PASSWORD",\n    "value": "{PW}"\n  }}\n]\n',
    "config/ldap.yaml": f"ldap:\n  bind_password: >-\n    {PW}\n",
    "auth/ldap.py": f'LDAP_BIND_PASSWORD = (\n    "{PW}"\n)\n',
}


def test_shapes_detect_secrets_misses_are_high(repo: Repo) -> None:
    repo.write("README.md", "x\n")
    repo.commit("base")
    files = judged_files(repo, MISSED)
    for path in MISSED:
        fc = files[path]
        assert fc.tier == "high" and detector_hits(fc), (path, fc.matches)
        for match in fc.matches:
            assert PW not in (match.evidence.text or ""), match


ROUTINE = {
    "app/settings.py": 'DB_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:'
                       'prod/billing-db-Ab12Cd"\nSTRIPE_KEY_PREFIX = "sk_live_"\n'
                       'GITHUB_TOKEN_PREFIX = "ghp_"\n',
    "app/pagination.py": 'def first(client):\n    next_token = "eyJwYWdlIjoxfQ=="\n'
                         '    page_token = "Q3Vyc29yOjEyMzQ1Ng=="\n'
                         "    return client.list(NextToken=next_token)\n",
    "docs/aws.md": "Configure:\n\n    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                   "    aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    "app/names.py": "npm_install_dependencies_for_all_workspaces = 1\n",
    "app/env.py": 'HOME = os.getenv("HOME", "/home/build")\n'
                  'password = os.getenv("DB_PASSWORD")\n',
    "k8s/app/deployment.yaml": "env:\n  - name: DB_PASSWORD\n    valueFrom:\n"
                               "      secretKeyRef: {name: db, key: password}\n"
                               "  - name: LOG_LEVEL\n    value: debug\n",
}


def test_routine_references_prefixes_and_documented_examples_stay_low(repo: Repo) -> None:
    repo.write("README.md", "x\n")
    repo.commit("base")
    files = judged_files(repo, ROUTINE)
    for path in ROUTINE:
        assert not detector_hits(files[path]), (path, files[path].matches)


def test_a_real_key_beside_the_documented_example_is_still_found(rules: Rules) -> None:
    fc = classified(rules, "docs/aws.md", "    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                    f"    other = {AWS}\n")
    assert [(m.pattern, m.evidence.line) for m in detector_hits(fc)] == [("AWSKeyDetector", 2)]


@pytest.mark.parametrize("text", [
    'x = "hf_abcdefghijklmnopqrstuvwxyzabcdefgh"\n',  # a snake_case name, not a token
    'cls = "sk-abcdefghijklmnopqrstuvwxyzabcdefghij"\n',  # a CSS class
])
def test_a_plugins_own_filters_still_judge_its_matches(rules: Rules, text: str) -> None:
    assert not detector_hits(classified(rules, "app/ui.py", text))
