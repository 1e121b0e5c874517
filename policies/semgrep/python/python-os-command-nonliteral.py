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
    # ok: python-os-command-nonliteral
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
