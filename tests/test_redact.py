"""Secrets are masked before a prompt leaves the machine (the same detector as classification)."""

from __future__ import annotations

import pytest

from gates.review.redact import redact

from .test_secrets import ANTHROPIC, AWS, FINE_PAT, HF, KUBE_KEY, NOTEBOOK, NOTEBOOK_KEY, PUTTY

SECRETS = [
    (AWS, "AWSKeyDetector"),
    ("ghp_" + "a1B2" * 9, "GitHubTokenDetector"),
    (FINE_PAT, "FineGrainedGitHubTokenDetector"),
    ("glpat-" + "Zz9" * 8, "GitLabTokenDetector"),
    ("xoxb-123456789012-abcdefghijkl", "SlackDetector"),
    (ANTHROPIC, "AnthropicKeyDetector"),
    ("sk-proj-" + "R7x" * 10, "OpenAIProjectKeyDetector"),
    ("AIza" + "SyB3" * 8 + "xYz", "GoogleApiKeyDetector"),
    (HF, "HuggingFaceTokenDetector"),
    # patterns that stop short of the token: an optional group inside it (glcbt's partition),
    # a lazy signature (JWT), 24 characters of a longer key (Stripe)
    ("glcbt-64_Hs4Kd9Vm2Qx7Rp1THs4Kd9", "GitLabTokenDetector"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlX2hlcmVfbG9uZw", "JwtTokenDetector"),
    ("sk_live_51Hh2FDEEtfjgVvVqE1SkHbn88aQ7xLm2Pz9Rt4Vw8", "StripeDetector"),
    ("npm_q8Ks2LmZp0XcV3nB7tRw1YhJ4dGf6EaU9iOo", "NpmAccessTokenDetector"),
    ("xapp-1-A05R7QJ3M9K-6011893377351-6b1f0c2e9d4a7b", "SlackAppTokenDetector"),
    ("whsec_4fK9sLq2Xv7BzR1mT8nW3yP6dH0gJ5cE", "StripeSecretDetector"),
]


@pytest.mark.parametrize(("secret", "kind"), SECRETS)
def test_known_token_shapes_are_masked(secret: str, kind: str) -> None:
    text, count = redact(f"+config = {{'value': '{secret}'}}\n")
    assert secret not in text and f"[REDACTED:{kind}]" in text
    assert count >= 1


def test_a_whole_private_key_block_is_masked_not_only_its_header() -> None:
    block = ("+KEY = '''-----BEGIN OPENSSH PRIVATE KEY-----\n"
             "+b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
             "+-----END OPENSSH PRIVATE KEY-----'''\n+x = 1\n")
    text, _ = redact(block, "app/k.py")
    assert "b3BlbnNzaC1rZXkt" not in text and "+x = 1" in text


def test_putty_and_kubeconfig_keys_are_masked() -> None:
    text, _ = redact(PUTTY, "deploy/jump.ppk")
    assert "AAAAIFxq3kT9" not in text and "Private-MAC: 7c1a" not in text
    text, _ = redact(f"    client-key-data: {KUBE_KEY}\n", "kube/config")
    assert KUBE_KEY[:20] not in text


def test_key_material_outside_the_hunk_header_is_masked() -> None:
    body = "+MIIEowIBAAKCAQEAx7Q2vR9kLmN3pQ8sT1vW4yZ7bC0eF3hJ6aB5cD6eF7gH8iJ9kL0m\n"
    text, count = redact(body, "app/k.py")
    assert "MIIEowIBAAKCAQEA" not in text and count == 1
    digest = "+DIGEST = '\n+e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
    assert redact(digest, "app/d.py") == (digest, 0)  # hex stays readable


def test_connection_strings_lose_their_credentials() -> None:
    text, _ = redact("DATABASE_URL = 'postgres://admin:s3cr3t-P4ss@db.internal:5432/app'")
    assert "s3cr3t-P4ss" not in text and "admin" not in text
    assert "db.internal:5432/app" in text
    text, _ = redact("cache: redis://:Zt5Nc8Hq1Yw3Lb7P@cache.internal:6379/0")  # no user
    assert "Zt5Nc8Hq1Yw3Lb7P" not in text and "cache.internal:6379/0" in text


def test_every_literal_assigned_to_a_secret_name_is_masked_whatever_its_entropy() -> None:
    text, count = redact('+api_key = "q8Zr2LmX0vT9kWp4"\n+password = "hunter2"\n', "app/c.py")
    assert "q8Zr2LmX0vT9kWp4" not in text and "hunter2" not in text and count == 2


@pytest.mark.parametrize(("path", "text", "secret"), [
    ("deploy/app.env", "+DB_PASSWORD=Zq4!vW9#pL2s\n", "Zq4!vW9#pL2s"),
    ("config/db.yaml", "+  database_password: Tr7xQ2mK9vLp\n", "Tr7xQ2mK9vLp"),
    ("notebooks/x.ipynb", NOTEBOOK, NOTEBOOK_KEY),
    ("", "Possible hardcoded password: 'hunter2pass'", "hunter2pass"),
    ("", "Deploy with DB_PASSWORD=Zq4vW9pL2s for now", "Zq4vW9pL2s"),
])
def test_unquoted_escaped_and_message_secrets_are_masked(path: str, text: str,
                                                         secret: str) -> None:
    masked, count = redact(text, path)
    assert secret not in masked and count >= 1


def test_ordinary_code_is_untouched() -> None:
    code = ("+def verify(token):\n+    return hmac.compare_digest(token, expected)\n"
            "+password = get_password()\n+SHA = '9f73a78c1e2b4d5f6a7b8c9d0e1f2a3b4c5d6e7f'\n")
    assert redact(code, "app/v.py") == (code, 0)


def test_a_long_secret_is_masked_whole_never_only_its_first_part() -> None:
    secret = "Ab9x" * 40  # longer than a name run the keyword scan keeps
    text, count = redact(f"+password = '{secret}'\n", "app/c.py")
    assert count == 1 and secret[-20:] not in text and secret[:20] not in text


@pytest.mark.parametrize(("secret", "kind"), SECRETS)
def test_tokens_in_prose_are_masked_whole(secret: str, kind: str) -> None:
    # No assignment to lean on (a commit message, a scanner's message): the token's own shape
    # must mask all of it, not only the prefix its pattern groups ("ghp").
    text, _ = redact(f"rotated the key {secret} after the incident\n")
    assert secret[-12:] not in text, text


S = "Qm7Xr2Lp9Kz4Wt6V"


@pytest.mark.parametrize(("path", "text"), [
    # black wraps a long assignment; the value is alone on its line
    ("auth/ldap.py", f'+LDAP_BIND_PASSWORD = (\n+    "{S}"\n+)\n'),
    ("app/s.py", f'+settings = Settings(\n+    db_password=\n+        "{S}",\n+)\n'),
    # Kubernetes and ECS: the name is a value of ``name:``, the secret a sibling key
    ("k8s/auth/deployment.yaml", f"+        - name: DB_PASSWORD\n+          value: {S}\n"),
    ("deploy/task.json", f'+{{"name": "DB_PASSWORD", "value": "{S}"}}\n'),
    ("deploy/task.json", f'+  {{\n+    "name": "DB_PASSWORD",\n+    "value": "{S}"\n+  }}\n'),
    # YAML folded, block and list values
    ("config/ldap.yaml", f"+  bind_password: >-\n+    {S}\n"),
    ("config/ldap.yaml", f"+password: |\n+  {S}\n"),
    ("config/app.yaml", f"+credentials:\n+  - admin\n+  - {S}\n"),
    ("config/app.yaml", f"+  password: &dbpw {S}\n"),
    # typed values, dicts, lists, calls and short names
    ("auth/config.py", f'+    db_password: str = "{S}"\n'),
    ("app/s.py", f'+PASSWORDS = {{\n+    "prod": "{S}",\n+    "stage": "{S[::-1]}",\n+}}\n'),
    ("app/s.py", f'+PASSWORDS = ["{S}"]\n'),
    ("app/s.py", f'+cmd = ["mysql", "--password", "{S}"]\n'),
    ("app/s.py", f'+cmd = [\n+    "--password",\n+    "{S}",\n+]\n'),
    ("app/s.py", f'+conn = connect(host, password="{S}")\n'),
    ("app/s.py", f'+conn.login("admin", "{S}")\n'),
    ("app/s.py", f'+PW = "{S}"\n'),
    ("app/s.py", f'+password_hash = "{S}"\n'),
    ("app/s.py", f'+DB = os.getenv("DB_PASSWORD", "{S}")\n'),
    # prose: comments and commit messages
    ("app/s.py", f"+# the admin password is {S}\n"),
    ("app/s.py", f'+log.info("the admin password is {S} now")\n'),
    ("", f"Rotate creds; new admin pw {S}\n"),
    # found trying to break it: a value that goes on, or lines between the name and the value
    ("app/s.py", f'+PASSWORD = ("{S[:8]}"\n+            "{S[8:]}")\n'),
    ("app/s.py", f'+PASSWORD = "{S[:8]}" \\\n+    "{S[8:]}"\n'),
    ("app/s.py", f'+PASSWORD = """\n+{S[:8]}\n+{S[8:]}"""\n'),
    ("config/db.toml", f'+password = """\n+{S}\n+"""\n'),
    ("app/s.py", f'+password = (  # why\n+    # explained\n+\n+    "{S}"\n+)\n'),
    ("app/s.py", f' DB_PASSWORD = (\n-    "{S[::-1]}"\n+    "{S}"\n )\n'),
    ("deploy/run.sh", f"+export DB_PASSWORD=\\\n+  {S}\n"),
    ("app/s.py", f'+SECRET_KEY = os.environ.get(\n+    "SECRET_KEY",\n+    "{S}",\n+)\n'),
    ("app/s.py", f'+config.set("db", "password", "{S}")\n'),
    ("app/web.js", f"+const cfg = {{\n+  password:\n+    `{S}`,\n+}};\n"),
    # names that are a secret's only as a key or assignment, and passwords in command flags
    ("config/app.yaml", f"+  pass: {S}\n"),
    ("app/s.py", f'+auth = ("admin", "{S}")\n'),
    ("app/s.py", f'+headers = {{"Authorization": "Bearer {S}"}}\n'),
    ("deploy/run.sh", f"+mysql -uroot -p{S} app\n"),
    ("deploy/run.sh", f"+curl -u admin:{S} https://x\n"),
])
def test_a_value_away_from_its_name_is_masked(path: str, text: str) -> None:
    masked, count = redact(text, path)
    assert count >= 1, masked
    for piece in (S, S[::-1], S[:8], S[8:]):
        assert piece not in masked, masked


def test_masking_near_a_name_stops_at_the_next_statement_or_key() -> None:
    text = (f'+LDAP_BIND_PASSWORD = (\n+    "{S}"\n+)\n+HOST = "ldap.internal"\n'
            "+def verify(token):\n+    return hmac.compare_digest(token, expected)\n"
            "+from auth import views\n+r = requests.get(url, auth=auth)\n"
            '+    pass\n+NAME = "gate-service"\n')
    masked, count = redact(text, "auth/ldap.py")
    assert S not in masked and count == 1
    assert '"ldap.internal"' in masked and '"gate-service"' in masked
    yaml = f"+env:\n+  - name: DB_PASSWORD\n+    value: {S}\n+  - name: HOST\n+    value: db\n"
    masked, _ = redact(yaml, "k8s/d.yaml")
    assert S not in masked and "value: db" in masked


@pytest.mark.parametrize("line", ["docker login -u ci -p Zq8vR2mK9xL4 registry.example",
                                  "podman login --password=Zq8vR2mK9xL4 quay.io",
                                  "sshpass -p Zq8vR2mK9xL4 ssh deploy@host",
                                  "redis-cli -h cache -a Zq8vR2mK9xL4 ping"])
def test_passwords_in_command_flags_are_masked(line: str) -> None:
    assert "Zq8vR2mK9xL4" not in redact(f"+{line}\n", "deploy.sh")[0]
