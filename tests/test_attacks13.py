"""Hostile drafts against the low-risk lane's SAST (issue 13): changes that carry an exploitable
flaw of a class the shipped semgrep rules claim, in files the policy leaves at low or medium tier,
so that SAST alone decides. Each once passed ``gate check --staged`` (exit 0); each must block.

The drafts reach a dangerous call by another door (getattr, __import__, functools.partial, pty,
os.spawn*, runpy), through a sink the rule did not list (asyncpg's fetch, a Location header set by
hand, set_data), past a check that does not sanitise (a host-presence test), or from a source the
rule did not read (a plain FastAPI parameter, a helper that draws from ``random``)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Repo

FLASK = "import os\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n"

BYPASSES = {
    "os.system by getattr": ("python-os-command-nonliteral", FLASK + '''
@app.route("/ping")
def ping():
    run = getattr(os, "system")
    run("ping -c1 " + request.args["host"])
    return "ok"
'''),
    "os.system by __import__": ("python-os-command-nonliteral", FLASK + '''
@app.route("/ping")
def ping():
    __import__("os").system("ping -c1 " + request.args["host"])
    return "ok"
'''),
    "os.system kept in a partial": ("python-os-command-nonliteral", FLASK + '''
import functools

run = functools.partial(os.system)


@app.route("/ping")
def ping():
    run("ping -c1 " + request.args["host"])
    return "ok"
'''),
    "sh -c through pty.spawn": ("python-subprocess-shell-true-nonliteral", FLASK + '''
import pty


@app.route("/ping")
def ping():
    pty.spawn(["/bin/sh", "-c", "ping -c1 " + request.args["host"]])
    return "ok"
'''),
    "sh -c through os.spawnlp": ("python-subprocess-shell-true-nonliteral", FLASK + '''
@app.route("/ping")
def ping():
    os.spawnlp(os.P_WAIT, "sh", "sh", "-c", "ping -c1 " + request.args["host"])
    return "ok"
'''),
    "eval by getattr on builtins": ("python-eval-exec-nonliteral", FLASK + '''
import builtins


@app.route("/calc")
def calc():
    evaluate = getattr(builtins, "eval")
    return {"v": evaluate(request.args["expr"])}
'''),
    "a file named by the request run by runpy": ("python-eval-exec-nonliteral", FLASK + '''
import runpy


@app.route("/plugin")
def plugin():
    runpy.run_path(request.args["p"])
    return "ok"
'''),
    "SQL text through asyncpg's fetch": ("python-sql-formatted-query-execute", '''
import asyncpg
from fastapi import FastAPI, Request

api = FastAPI()


@api.get("/items")
async def items(request: Request):
    conn = await asyncpg.connect()
    name = request.query_params["name"]
    return await conn.fetch(f"SELECT * FROM items WHERE name = '{name}'")
'''),
    "Location in a returned tuple": ("python-open-redirect-request", FLASK + '''
@app.route("/go")
def go():
    return "", 302, {"Location": request.args["to"]}
'''),
    "Location by headers.set": ("python-open-redirect-request", FLASK + '''
from flask import Response


@app.route("/go")
def go():
    resp = Response(status=302)
    resp.headers.set("Location", request.args["to"])
    return resp
'''),
    "a redirect checked only for a host": ("python-open-redirect-request", FLASK + '''
from urllib.parse import urlparse

from flask import redirect


@app.route("/go")
def go():
    nxt = request.args.get("next", "/")
    if urlparse(nxt).netloc:
        nxt = "/"
    return redirect(nxt)
'''),
    "a FastAPI query parameter in HTMLResponse": ("python-xss-request-data-in-html-response", '''
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

api = FastAPI()


@api.get("/hi")
def hi(name: str = ""):
    return HTMLResponse(f"<p>Hello {name}</p>")
'''),
    "HTML body given by set_data": ("python-xss-request-data-in-html-response", FLASK + '''
from flask import make_response


@app.route("/hi")
def hi():
    resp = make_response()
    resp.set_data("<p>" + request.args["name"] + "</p>")
    return resp
'''),
    "a reset token drawn in a helper": ("python-insecure-random-for-secret", '''
import random
import string


def _rand(n):
    return "".join(random.choice(string.ascii_letters) for _ in range(n))


def new_reset_token():
    return _rand(32)
'''),
}


def blocking_rules(data: dict[str, Any]) -> set[str]:
    return {f["rule"] for stage in data["stages"] for f in stage.get("findings", [])
            if f["tool"] == "semgrep" and f["blocking"]}


@pytest.mark.parametrize("rule,source", BYPASSES.values(), ids=list(BYPASSES))
def test_a_low_risk_draft_with_a_hidden_flaw_blocks(seeded: Repo, rule: str,
                                                    source: str) -> None:
    seeded.write("app/views.py", source)
    data = seeded.gate_json("--staged")
    assert data["tier"] in ("low", "medium"), "the test needs SAST to be what decides"
    assert data["exit_code"] == 1, blocking_rules(data)
    assert rule in blocking_rules(data)


SAFE_IDIOMS = {
    # a redirect target kept only when it is one of the program's own paths
    "allowlist then reset": FLASK + '''
from flask import redirect

ALLOWED = {"/", "/home", "/account"}


@app.route("/go")
def go():
    nxt = request.args.get("next", "/")
    if nxt not in ALLOWED:
        nxt = "/"
    return redirect(nxt)
''',
    # text/plain declared in the (body, status, headers) tuple is not HTML
    "plain text in a returned tuple": FLASK + '''
@app.route("/echo")
def echo():
    return request.args.get("q", ""), 200, {"Content-Type": "text/plain; charset=utf-8"}
''',
}


@pytest.mark.parametrize("source", SAFE_IDIOMS.values(), ids=list(SAFE_IDIOMS))
def test_a_safe_idiom_passes(seeded: Repo, source: str) -> None:
    seeded.write("app/views.py", source)
    data = seeded.gate_json("--staged")
    assert data["tier"] in ("low", "medium")
    assert data["exit_code"] == 0, blocking_rules(data)
