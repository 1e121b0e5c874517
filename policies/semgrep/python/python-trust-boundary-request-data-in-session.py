import html

import flask
from django.contrib.auth import authenticate
from flask import Flask, request, session

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login_unchecked():
    # ruleid: python-trust-boundary-request-data-in-session
    session["username"] = request.form["username"]
    return "ok"


@app.route("/prefs")
def prefs():
    key = request.args.get("pref", "theme")
    # ruleid: python-trust-boundary-request-data-in-session
    flask.session[key] = "1"
    return "ok"


@app.route("/nick", methods=["POST"])
def nick():
    # Escaping is not validation: the session still holds what the client sent.
    nickname = html.escape(request.form.get("nick", ""))
    # ruleid: python-trust-boundary-request-data-in-session
    session.update(nickname=nickname)
    return "ok"


@app.route("/profile", methods=["POST"])
def profile():
    data = request.get_json()
    # ruleid: python-trust-boundary-request-data-in-session
    session.update(data)
    return "ok"


def django_remember(request):
    role = request.POST.get("role", "user")
    # ruleid: python-trust-boundary-request-data-in-session
    request.session["role"] = role


def django_cart(request):
    items = []
    items.append(request.GET["item"])
    # ruleid: python-trust-boundary-request-data-in-session
    request.session.setdefault("cart", items)


@app.route("/page")
def page():
    # ok: python-trust-boundary-request-data-in-session
    session["page"] = int(request.args.get("page", "1"))
    return "ok"


@app.route("/login-checked", methods=["POST"])
def login_checked():
    user = User.query.filter_by(name=request.form["username"]).first()
    if user is None or not user.check_password(request.form["password"]):
        return "no", 401
    # ok: python-trust-boundary-request-data-in-session
    session["user_id"] = user.id
    return "ok"


def django_login(request):
    user = authenticate(request, username=request.POST["u"], password=request.POST["p"])
    if user is not None:
        # ok: python-trust-boundary-request-data-in-session
        request.session["uid"] = user.pk


@app.route("/visit")
def visit():
    source = request.args.get("from", "")
    source = "direct"
    # ok: python-trust-boundary-request-data-in-session
    session["source"] = source
    return "ok"


@app.route("/dead")
def dead():
    limit = 106
    theme = "light" if 7 * 18 + limit > 200 else request.args.get("theme")
    # ok: python-trust-boundary-request-data-in-session
    session["theme"] = theme
    return "ok"


@app.route("/keys")
def keys():
    values = {}
    values["fixed"] = "a"
    values["chosen"] = request.args.get("v")
    # ok: python-trust-boundary-request-data-in-session
    session["fixed"] = values["fixed"]
    return "ok"


@app.route("/login-sql", methods=["POST"])
def login_sql():
    db = get_db()
    user = db.execute(
        "SELECT * FROM user WHERE username = ?", (request.form["username"],)
    ).fetchone()
    if user is None or not check_password_hash(user["password"], request.form["password"]):
        return "no", 401
    session.clear()
    # ok: python-trust-boundary-request-data-in-session
    session["user_id"] = user["id"]
    return "ok"


@app.route("/merge", methods=["POST"])
def merge():
    # ruleid: python-trust-boundary-request-data-in-session
    session |= {"role": request.form["role"]}
    return "ok"


@app.route("/setitem", methods=["POST"])
def setitem():
    # ruleid: python-trust-boundary-request-data-in-session
    session.__setitem__("role", request.form["role"])
    return "ok"
