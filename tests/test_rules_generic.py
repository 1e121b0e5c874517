"""The default policy's generic rules for kinds of security code (issue 12 §2 and §4).

Each rule gets real changes in a real repository: the spellings it is meant to catch, and a near
miss that must stay below high. The near misses are the routine lines that the corpus's tune half
showed next to the fixes (bench/corpus, docs/classification.md).
"""

from __future__ import annotations

import pytest

from gates import changes
from gates.classify import Rules, classify
from gates.gitrepo import GitRepo
from gates.model import Classification, FileClass
from gates.policy import source

from .conftest import Repo

RULES = Rules(source.default())


def classified(repo: Repo) -> Classification:
    return classify(RULES, changes.staged(GitRepo(repo.root), RULES.wants_text))


def one_file(repo: Repo, path: str, text: str) -> FileClass:
    """Stage ``text`` as a new file at ``path`` and return its classification."""
    repo.write(path, text)
    (fc,) = classified(repo).files
    return fc


def categories(fc: FileClass, tier: str = "high") -> set[str]:
    return {m.category for m in fc.matches if m.tier == tier}


# (path, added text, category that must send it high)
CAUGHT = [
    # credentials in transport
    ("app/client.py", "request.headers['Authorization'] = token\n", "transport-credentials"),
    ("app/client.py", 'headers.pop(b"Proxy-Authorization", None)\n', "transport-credentials"),
    ("app/wsgi.py", "auth = environ.get('HTTP_AUTHORIZATION')\n", "transport-credentials"),
    ("app/redirect.py", "if 'Cookie' in redirect.headers:\n    del redirect.headers['Cookie']\n",
     "transport-credentials"),
    ("app/net.py", "auth = netrc.netrc().authenticators(host)\n", "transport-credentials"),
    ("app/wsgi.py", "raw = environ.get('HTTP_COOKIE', '')\n", "transport-credentials"),
    ("app/client.py", "challenge = response.headers['WWW-Authenticate']\n",
     "transport-credentials"),
    ("app/session.py", "def rebuild_auth(self, prepared, response):\n    pass\n",
     "transport-credentials"),
    ("app/apt.py", "line = _strip_username_password(line)\n", "transport-credentials"),
    ("app/log.py", "log_method(json.dumps(dict(request.headers)))\n", "transport-credentials"),
    # TLS, any spelling, either direction
    ("app/client.py", "session.verify = VERIFY_TLS\n", "tls"),
    ("app/conf.yaml", "verify_ssl: false\n", "tls"),
    ("app/client.py", "ctx.verify_mode = CERT_NONE\n", "tls"),
    ("app/client.py", "kwargs = {'cert_reqs': 'CERT_NONE'}\n", "tls"),
    ("app/server.py", "conn.set_verify(VERIFY_PEER, callback)\n", "tls"),
    ("app/server.py", "ctx.options |= ssl.OP_NO_TLSv1\n", "tls"),
    ("app/tab.py", "self._has_ssl_errors = False\n", "tls"),
    ("app/client.py", 'requests.get(url, **{"verify": False})\n', "tls"),
    ("app/client.py", 'setattr(session, "verify", False)\n', "tls"),
    ("app/client.py", "ctx.verify_mode = ssl.VerifyMode(0)\n", "tls"),
    ("deploy/env.sh", "export PYTHONHTTPSVERIFY=0\n", "tls"),
    ("scripts/fetch.sh", "curl --insecure https://example.invalid/x\n", "tls"),
    ("app/tab.py", "def on_certificate_error(self, error):\n    return True\n", "tls"),
    # cookie and session flags, secret key, debug, CORS, hosts
    ("app/settings.py", "SESSION_COOKIE_SECURE = False\n", "web-security"),
    ("app/views.py", "response.set_cookie('sid', sid, secure=False)\n", "web-security"),
    ("app/settings.py", "SECRET_KEY = os.environ.get('SECRET_KEY', 'dev')\n", "web-security"),
    ("app/settings.py", "DEBUG = 1\n", "web-security"),
    ("config/app.toml", "debug = true\n", "web-security"),
    ("config/app.ini", "DEBUG=yes\n", "web-security"),
    ("config/app.yaml", 'debug: "true"\n', "web-security"),
    ("app/main.py", "app.debug = True\n", "web-security"),
    ("app/main.py", 'app.config["DEBUG"] = True\n', "web-security"),
    ("app/settings.py", "CORS_ALLOW_CREDENTIALS = True\n", "web-security"),
    ("app/main.py", "app.add_middleware(CORSMiddleware, allow_credentials=True)\n",
     "web-security"),
    ("app/settings.py", 'ALLOWED_HOSTS = ["*"]\n', "web-security"),
    ("app/handlers.py", 'origin = self.request.headers.get("Origin")\n', "web-security"),
    ("app/proxy.py", "ip = request.headers['X-Forwarded-For']\n", "web-security"),
    ("app/views.py", "if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):\n",
     "web-security"),
    ("app/files.py", "self.set_header('Content-Type', 'text/plain')\n", "web-security"),
    ("app/fetch.py", "if address.is_private or address.is_loopback:\n    raise Blocked\n",
     "web-security"),
    # output escaping and raw HTML
    ("app/tags.py", "return format_html('<img alt=\"{0}\">', name)\n", "output-escaping"),
    ("app/render.py", "key = escape(key.lower(), quote=True)\n", "output-escaping"),
    ("web/Query.svelte", "<p>{@html error}</p>\n", "output-escaping"),
    ("web/Item.vue", '<div v-html="item.body"></div>\n', "output-escaping"),
    ("web/list.js", "p.innerHTML = hitText;\n", "output-escaping"),
    ("app/settings.py", '"environment": "jinja2.sandbox.SandboxedEnvironment",\n',
     "output-escaping"),
    ("app/clean.py", "_is_javascript_scheme = re.compile(r'(javascript|vbscript):', re.I)\n",
     "script-schemes"),
    # access control that moved
    ("app/views.py", "@staff_only\ndef report(request):\n    return 1\n", "access-control"),
    ("app/views.py", "@require_admin\ndef report(request):\n    return 1\n", "access-control"),
    ("app/views.py", "user = authenticate(request, username=u, password=p)\n", "access-control"),
    ("app/backends.py", "return backend.authenticate(request, **credentials)\n", "access-control"),
    ("app/views.py", "if cherrypy.request.method == 'POST' and action == 'set':\n",
     "access-control"),
    ("app/server.py", "if not self.session.is_activated():\n    raise Denied\n", "access-control"),
    ("app/text.py", "for pw_hash in PASSWORD_HASHERS_ALL:\n    pass\n", "access-control"),
    # input limits
    ("app/http.py", "MAX_REQUEST_SIZE = 512 * 1024\n", "input-limits"),
    ("app/http.py", "def read_body_with_max_size(response, max_size):\n    pass\n",
     "input-limits"),
    ("app/forms.py", "validators=[Length(max=256, message='too long')]\n", "input-limits"),
    ("app/views.py", "@cherrypy.tools.ratelimit(methods=['POST'])\n", "input-limits"),
    ("app/headers.py", "if '\\r' in value or '\\n' in value:\n    raise ValueError\n",
     "input-limits"),
    ("app/client.py", 'uri = uri.replace("\\r", "%0D")\n', "input-limits"),
    ("app/read.py", "def validate_headers(headers):\n    pass\n", "input-limits"),
    # path traversal
    ("app/static.py", "return send_from_directory(root, name)\n", "filesystem"),
    ("app/export.py", "if Path(destination) not in path.parents:\n    raise Error\n",
     "filesystem"),
    ("app/unpack.py", "zf.extractall(root)\n", "filesystem"),
    ("app/editor.py", "if not _is_valid_path(path):\n    raise BadEdit\n", "filesystem"),
    ("app/paths.py", "if '..' in parts:\n    raise ValueError\n", "filesystem"),
    ("app/paths.py", "if os.pardir in parts:\n    raise ValueError\n", "filesystem"),
    # temp files and permissions
    ("app/cache.py", "path = tempfile.mktemp()\n", "temp-files"),
    ("app/install.py", "os.chmod(path, 0o666)\n", "temp-files"),
    ("app/install.py", "mode = 0777\n", "temp-files"),
    # injection
    ("app/run.py", "subprocess.run(['ls', path])\n", "injection"),
    ("app/run.py", "args = shlex.split(command)\n", "injection"),
    ("app/run.py", "from subprocess import call\n", "injection"),
    ("app/db.py", 'cursor.execute("SELECT * FROM t WHERE id = %s" % ident)\n', "injection"),
    ("app/db.py", "cursor.execute(f\"SELECT * FROM t WHERE id = {ident}\")\n", "injection"),
    ("app/util.py", "value = safe_eval(expr)\n", "injection"),
    ("app/lex.py", "STRING = re.compile(r\"'(''|\\\\'|[^'])*'\")\n", "injection"),
    ("app/md.py", "pattern = r'([\\s\\S]*?)\\(([\\s\\S]*?)\\)'\nX = r'(a+)+$'\n", "injection"),
    # deserialization
    ("app/config.py", "data = yaml.load(stream)\n", "deserialization"),
    ("app/config.py", "data = yaml.load(stream, Loader=yaml.FullLoader)\n", "deserialization"),
    ("app/cache.py", "obj = pickle.loads(blob)\n", "deserialization"),
    ("app/cache.py", "from pickle import loads\n", "deserialization"),
    ("app/config.py", "from yaml import load, Loader\n", "deserialization"),
    ("app/model.py", "weights = torch.load(path)\n", "deserialization"),
    ("app/data.py", "arr = np.load(path, allow_pickle=True)\n", "deserialization"),
    # code that says what it is about
    ("app/core.py", '__patched_cves__ = {"CVE-2022-21699"}\n', "security-notes"),
    ("app/core.py", "# refuse input from untrusted sources\n", "security-notes"),
    ("app/core.py", "# removed for security reasons\n", "security-notes"),
    ("app/template.py", "from app.vars.unsafe_proxy import wrap_var\n", "security-notes"),
    # destructive SQL outside migrations
    ("scripts/reset.sql", "DELETE FROM users;\n", "destructive-sql"),
    ("scripts/reset.sh", 'psql -c "TRUNCATE sessions"\n', "destructive-sql"),
    # release notes that announce a security fix, in every usual file
    ("CHANGES", "* Fixed CVE-2024-1234: a crafted header could crash the parser.\n",
     "release-notes"),
    ("docs/changelog.rst", "Security\n~~~~~~~~\n\n- Escape the title.\n", "release-notes"),
    ("NEWS.md", "- Resolve possible vulnerabilities (CWE-290)\n", "release-notes"),
    ("changelog.d/123.bugfix.rst", "Stop a path traversal in the upload view.\n",
     "release-notes"),
    ("docs/releases/4.2.1.txt", "Fixed an SQL injection in ``QuerySet.extra()``.\n",
     "release-notes"),
]


@pytest.mark.parametrize(("path", "text", "category"), CAUGHT)
def test_generic_rule_sends_its_kind_of_code_high(seeded: Repo, path: str, text: str,
                                                  category: str) -> None:
    fc = one_file(seeded, path, text)
    assert category in categories(fc), fc.matches
    assert fc.tier == "high"


def test_removing_a_guard_is_as_sensitive_as_adding_it(seeded: Repo) -> None:
    # a login view that stops calling authenticate(): the removed line is judged
    seeded.write("app/views.py", "def enter(request):\n    user = authenticate(request)\n"
                 "    return user\n")
    seeded.commit("views")
    seeded.write("app/views.py", "def enter(request):\n    user = request.user\n"
                 "    return user\n")
    (fc,) = classified(seeded).files
    assert "access-control" in categories(fc)


def test_defining_authenticate_is_auth_not_a_moved_guard(seeded: Repo) -> None:
    # the definition is the auth category's (a symbol); access-control wants the calls
    fc = one_file(seeded, "app/backends.py", "def authenticate(self, request):\n    return None\n")
    assert "auth" in categories(fc)
    assert "access-control" not in categories(fc), fc.matches


# (path, added text): near misses that the tune half showed in routine commits
NEAR_MISSES = [
    ("app/models.py", "name = models.CharField(max_length=255)\n"),
    # the same words outside release notes, and routine release notes
    ("README.md", "Report security issues to security@example.com.\n"),
    ("CHANGES", "* Support Python 3.13; drop 3.8.\n"),
    ("app/newsletter.py", "# security review pending\nsend(mail)\n"),
    ("app/node.py", "def get_path(self, max_length=20):\n    return 1\n"),
    ("app/xmlparser.py", "text = val.text.replace('\\n', '').replace('\\r', '')\n"),
    ("web/filter.js", "var box = $(this).parents('.filterBox').attr('id');\n"),
    ("web/home.html", '<a href="javascript:void(0)">x</a>\n'),
    ("tests/test_paths.py", "TEMPDIR = tempfile.mkdtemp('_paths')\n"),
    ("tests/test_cloud.py", "assert yaml.safe_load(result)\n"),
    ("app/connection.py", 'raise UaError("Invalid security token id {}")\n'),
    ("app/settings.py", "DEBUG = False\n"),
    ("app/views.py", "is_secure = request.is_secure()\n"),
    ("app/client.py", "session.verification_code = code\n"),
    ("app/log.py", 'logger.debug("debug = true")\n'),
    ("app/check.py", "ok = key.verify(signature, data)\n"),
    ("app/model.py", "config = json.load(handle)\n"),
    ("app/render.py", "text = escaped_text + suffix\n"),
    ("scripts/backup.sh", 'pg_dump "$DB" > backup.sql\n'),
    ("docs/security.md", "An attacker can use CVE-2022-21699 when DEBUG = True\n"),
]


@pytest.mark.parametrize(("path", "text"), NEAR_MISSES)
def test_near_misses_stay_below_high(seeded: Repo, path: str, text: str) -> None:
    fc = one_file(seeded, path, text)
    assert fc.tier != "high", fc.matches


@pytest.mark.parametrize(("path", "text", "category"), [
    ("app/paths.py", "full = os.path.join(root, name)\n", "path-handling"),
    ("app/urls.py", "parts = urlsplit(url)\n", "parsing"),
    ("app/body.py", "data = zlib.decompress(data)\n", "parsing"),
    ("app/lexer.py", "WORD = re.compile(r'\\w+')\n", "parsing"),
    ("app/upload.py", "form = cgi.FieldStorage(fp=fp)\n", "parsing"),
])
def test_noisy_generic_signals_are_medium(seeded: Repo, path: str, text: str,
                                          category: str) -> None:
    fc = one_file(seeded, path, text)
    assert category in categories(fc, "medium"), fc.matches
    assert fc.tier == "medium"


@pytest.mark.parametrize("path", [
    "app/auth/locale/de/LC_MESSAGES/django.po",
    "app/auth/locale/de/LC_MESSAGES/django.mo",
    "app/auth/static/auth/logo.png",
    "app/auth/static/auth/login.css",
    "app/oauth2/static/icon.svg",
    "app/crypto/assets/diagram.jpg",
    "app/security/static/style.css",
])
def test_translations_and_assets_under_auth_packages_are_not_auth_logic(seeded: Repo,
                                                                       path: str) -> None:
    fc = one_file(seeded, path, 'msgid "login_required"\nmsgstr "Anmeldung"\n')
    assert fc.tier != "high", fc.matches


@pytest.mark.parametrize("path", ["app/auth/views.py", "app/auth/templates/login.html",
                                  "app/auth/static/auth/login.js"])
def test_code_and_templates_under_auth_packages_stay_high(seeded: Repo, path: str) -> None:
    fc = one_file(seeded, path, "x = 1\n")
    assert "auth" in categories(fc), fc.matches


def test_a_long_stylesheet_line_is_not_a_credential(seeded: Repo) -> None:
    fc = one_file(seeded, "app/static/screen.css", ".a{color:red}" * 4000 + "\n")
    assert "credentials" not in categories(fc), fc.matches


def test_deserialisation_left_the_medium_dangerous_calls(seeded: Repo) -> None:
    # one home per rule: the loaders are high in deserialization, not also medium elsewhere
    fc = one_file(seeded, "app/config.py", "data = yaml.load(stream)\n")
    assert {m.category for m in fc.matches} == {"deserialization"}, fc.matches
