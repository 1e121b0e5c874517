import commands
import os
import re
import shlex
import socket
import subprocess
import sys

from flask import Flask, request

app = Flask(__name__)


def restart(service):
    # ruleid: python-os-command-nonliteral
    os.system("systemctl restart " + service)


def list_dir(path):
    # ruleid: python-os-command-nonliteral
    return os.popen(f"ls -la {path}").read()


def whois(domain):
    # ruleid: python-os-command-nonliteral
    return commands.getoutput("whois %s" % domain)


def git_log(ref):
    # ruleid: python-os-command-nonliteral
    return subprocess.getoutput("git log --oneline " + ref)


def run_hook(command):
    # ruleid: python-os-command-nonliteral
    return os.system(command)


def clear_screen():
    # ok: python-os-command-nonliteral
    os.system("clear")


def list_dir_safe(path):
    # ok: python-os-command-nonliteral
    return subprocess.run(["ls", "-la", path], capture_output=True, text=True).stdout


def uptime():
    # ok: python-os-command-nonliteral
    return os.popen("uptime").read()


def whois_quoted(domain):
    # ok: python-os-command-nonliteral
    return subprocess.getoutput(shlex.join(["whois", domain]))


def kill(pid: int):
    # An annotation is not a conversion: only a route handler's converted parameters are trusted.
    # ruleid: python-os-command-nonliteral
    os.system(f"kill -9 {pid}")


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/ping-quoted")
def ping_quoted():
    host = request.args.get("host", "localhost")
    # ok: python-os-command-nonliteral
    return os.popen("ping -c 1 " + shlex.quote(host)).read()


@app.route("/ping-checked")
def ping_checked():
    host = request.args.get("host", "localhost")
    if not re.fullmatch(r"[a-z0-9.-]+", host):
        return "bad host", 400
    # ok: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/convert/<name>")
def convert(name):
    # ruleid: python-os-command-nonliteral
    os.system(f"convert /uploads/{name} /thumbs/{name}")


@app.route("/convert/<int:number>")
def convert_number(number: int):
    # ok: python-os-command-nonliteral
    os.system(f"convert /uploads/{number}.png /thumbs/{number}.png")


@app.route("/constant")
def constant_after_all():
    name = request.cookies.get("name")
    name = "default"
    # ok: python-os-command-nonliteral
    os.system("touch /tmp/" + name)


def serve(conn: socket.socket):
    # ruleid: python-os-command-nonliteral
    os.system(conn.recv(1024).decode())


def main():
    # ruleid: python-os-command-nonliteral
    os.system("grep " + sys.argv[1] + " /var/log/syslog")


# --- what a draft might try so that the flow is not seen ---


@app.route("/loose-regex")
def loose_regex():
    host = request.args.get("host", "")
    if not re.fullmatch(r".*", host):
        return "bad host", 400
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/negated-class")
def negated_class():
    host = request.args.get("host", "")
    if not re.fullmatch(r"[^;]+", host):
        return "bad host", 400
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/self-allowlist")
def self_allowlist():
    host = request.args.get("host", "")
    if host not in (host, "localhost"):
        return "bad host", 400
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/half-check")
def half_check():
    host = request.args.get("host", "")
    if not host.isalnum() and len(host) > 64:
        return "bad host", 400
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/check-without-exit")
def check_without_exit():
    host = request.args.get("host", "")
    if not host.isalnum():
        app.logger.warning("odd host %s", host)
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + host).read()


@app.route("/update")
def constant_then_update():
    options = {}
    options["host"] = "localhost"
    options.update(host=request.args.get("host"))
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + options["host"]).read()


@app.route("/loop-key")
def constant_then_loop_key():
    options = {}
    options["host"] = "localhost"
    for key in ["host"]:
        options[key] = request.args.get(key)
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + options["host"]).read()


@app.route("/alias")
def request_alias():
    incoming = request
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + incoming.args["host"]).read()


@app.route("/getattr")
def request_getattr():
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + getattr(request, "args")["host"]).read()


@app.route("/joined")
def joined():
    hosts = " ".join([h for h in request.args.getlist("host")])
    # ruleid: python-os-command-nonliteral
    return os.popen("ping -c 1 " + hosts).read()


@app.route("/imported")
def imported_system():
    from os import system

    # ruleid: python-os-command-nonliteral
    system("ping -c 1 " + request.args["host"])


@app.route("/closure")
def closure():
    host = request.args["host"]

    def run():
        # todoruleid: python-os-command-nonliteral
        os.system("ping -c 1 " + host)

    run()


@app.route("/sink-alias")
def sink_alias():
    shell = os.system
    # ruleid: python-os-command-nonliteral
    shell("ping -c 1 " + request.args["host"])


# --- issue 13 red team: os.system reached by name or kept under another name ---
import functools
import importlib
import os

run_shell = functools.partial(os.system)


@app.route("/by-name")
def system_by_name():
    host = request.args["host"]
    # ruleid: python-os-command-nonliteral
    getattr(os, "system")("ping -c1 " + host)
    # ruleid: python-os-command-nonliteral
    __import__("os").system("ping -c1 " + host)
    # ruleid: python-os-command-nonliteral
    importlib.import_module("os").popen("ping -c1 " + host)
    run = getattr(os, "system")
    # ruleid: python-os-command-nonliteral
    run("ping -c1 " + host)
    # ruleid: python-os-command-nonliteral
    run_shell("ping -c1 " + host)
    # ok: python-os-command-nonliteral
    getattr(os, "getenv")("HOME" + host)
    # ok: python-os-command-nonliteral
    run("ping -c1 localhost")
