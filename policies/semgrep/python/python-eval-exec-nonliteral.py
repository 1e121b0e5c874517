import ast
import importlib
import json
import re
import sys

import requests
from flask import Flask, request

app = Flask(__name__)


def calculate(request):
    expression = request.args.get("expr", "0")
    # ruleid: python-eval-exec-nonliteral
    return eval(expression)


def run_hook(hook_source, context):
    # ruleid: python-eval-exec-nonliteral
    exec(hook_source, {"__builtins__": {}}, context)


def get_setting(name):
    # ruleid: python-eval-exec-nonliteral
    return eval("settings." + name)


def calculate_safe(request):
    # ok: python-eval-exec-nonliteral
    return ast.literal_eval(request.args.get("expr", "0"))


def load_payload(body):
    # ok: python-eval-exec-nonliteral
    return json.loads(body)


def feature_check():
    # ok: python-eval-exec-nonliteral
    exec("import readline")


class Model:
    def predict(self, net, batch):
        # ok: python-eval-exec-nonliteral
        net.eval()
        return net(batch)


@app.route("/calc", methods=["POST"])
def calc():
    expression = request.form.get("expr", "")
    # ruleid: python-eval-exec-nonliteral
    return str(eval(expression))


@app.route("/literal", methods=["POST"])
def literal_only():
    text = request.form.get("text", "")
    if not text.startswith("'") or not text.endswith("'") or "'" in text[1:-1]:
        return "a plain string literal, please"
    # ok: python-eval-exec-nonliteral
    return eval(text)


@app.route("/half-checked", methods=["POST"])
def half_checked():
    text = request.form.get("text", "")
    if not text.startswith("'") or not text.endswith("'"):
        return "a plain string literal, please"
    # ruleid: python-eval-exec-nonliteral
    return eval(text)


@app.route("/compiled", methods=["POST"])
def compiled():
    # ruleid: python-eval-exec-nonliteral
    code = compile(request.get_data(as_text=True), "<request>", "exec")
    # ruleid: python-eval-exec-nonliteral
    exec(code)


@app.route("/plugin")
def plugin():
    name = request.args["plugin"]
    # ruleid: python-eval-exec-nonliteral
    module = importlib.import_module(name)
    # ruleid: python-eval-exec-nonliteral
    other = __import__(name)
    return module, other


@app.route("/plugin-allowed")
def plugin_allowed():
    name = request.args["plugin"]
    if name not in {"csv_export", "pdf_export"}:
        return "unknown plugin", 404
    # ok: python-eval-exec-nonliteral
    return importlib.import_module(name)


@app.route("/pattern")
def pattern():
    # ok: python-eval-exec-nonliteral
    return re.compile(request.args["re"])


@app.route("/overwritten")
def overwritten():
    code = request.args.get("code")
    code = "1 + 1"
    # ok: python-eval-exec-nonliteral
    return eval(code)


@app.route("/stored")
def stored():
    snippets = {}
    snippets["default"] = "0"
    snippets["user"] = request.cookies.get("code")
    # ok: python-eval-exec-nonliteral
    eval(snippets["default"])
    # ruleid: python-eval-exec-nonliteral
    eval(snippets["user"])


def bootstrap():
    # ruleid: python-eval-exec-nonliteral
    exec(requests.get("https://example.com/setup.py").text)


def main():
    # ruleid: python-eval-exec-nonliteral
    print(eval(input("> ")))
    # ruleid: python-eval-exec-nonliteral
    print(eval(sys.argv[1]))


@app.route("/other-delimiter", methods=["POST"])
def other_delimiter():
    text = request.form.get("text", "")
    if not text.startswith("a") or not text.endswith("a") or "a" in text[1:-1]:
        return "delimited by a, please"
    # ruleid: python-eval-exec-nonliteral
    return eval(text)


# Code hidden from the reader: a payload the diff shows as noise.
def hidden_payloads():
    import base64
    import codecs
    import os
    import zlib
    from base64 import b64decode

    # ruleid: python-eval-exec-nonliteral
    exec(base64.b64decode(b"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik="))
    # ruleid: python-eval-exec-nonliteral
    exec(b64decode("aW1wb3J0IG9z"))
    # ruleid: python-eval-exec-nonliteral
    exec(zlib.decompress(bytes.fromhex("789c")))
    # ruleid: python-eval-exec-nonliteral
    exec(codecs.decode("vzcbeg bf", "rot13"))
    code = "".join(chr(c) for c in (105, 100))
    # ruleid: python-eval-exec-nonliteral
    eval(code)
    # ruleid: python-eval-exec-nonliteral
    eval(os.environ.get("SETTING", "1"))
    # ruleid: python-eval-exec-nonliteral
    exec(compile(os.getenv("HOOK", ""), "<hook>", "exec"))
    # ok: python-eval-exec-nonliteral
    exec(compile("x = 1", "<fixed>", "exec"))
    # ok: python-eval-exec-nonliteral
    return base64.b64decode(b"aGVsbG8=").decode()


# --- issue 13 red team: eval reached by name, and other doors into the interpreter ---
import builtins
import code
import functools
import runpy


@app.route("/by-name")
def eval_by_name():
    expr = request.args["expr"]
    # ruleid: python-eval-exec-nonliteral
    getattr(builtins, "eval")(expr)
    evaluate = getattr(builtins, "eval")
    # ruleid: python-eval-exec-nonliteral
    evaluate(expr)
    run = functools.partial(exec)
    # ruleid: python-eval-exec-nonliteral
    run(expr)
    # ok: python-eval-exec-nonliteral
    getattr(builtins, "len")(expr)


@app.route("/plugin")
def run_a_named_file():
    # ruleid: python-eval-exec-nonliteral
    runpy.run_path(request.args["p"])
    console = code.InteractiveInterpreter()
    # ruleid: python-eval-exec-nonliteral
    console.runsource(request.form["src"])
    # ok: python-eval-exec-nonliteral
    runpy.run_module("app.plugins.default")


def load_plugin(path):
    # a plugin file chosen by the program's own caller is configuration, not input
    # ok: python-eval-exec-nonliteral
    return runpy.run_path(path)
