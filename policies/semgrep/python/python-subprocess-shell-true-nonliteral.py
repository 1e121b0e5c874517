import asyncio
import os
import platform
import shlex
import subprocess
from subprocess import Popen

from django.http import HttpResponse
from flask import Flask, request

app = Flask(__name__)


def thumbnail(src, dst):
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run(f"convert {src} -resize 128x128 {dst}", shell=True, check=True)


def archive(name):
    cmd = "tar czf /backups/" + name + ".tgz /srv/data"
    # ruleid: python-subprocess-shell-true-nonliteral
    return subprocess.check_output(cmd, shell=True)


def grep_logs(pattern):
    # ruleid: python-subprocess-shell-true-nonliteral
    proc = Popen("grep %s /var/log/app.log" % pattern, shell=True, stdout=subprocess.PIPE)
    return proc.communicate()[0]


async def ping(host):
    # ruleid: python-subprocess-shell-true-nonliteral
    proc = await asyncio.create_subprocess_shell("ping -c 1 " + host)
    return await proc.wait()


def run(cmd):
    # ruleid: python-subprocess-shell-true-nonliteral
    return subprocess.call(cmd, shell=True)


def thumbnail_safe(src, dst):
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(["convert", src, "-resize", "128x128", dst], check=True)


def disk_usage():
    # ok: python-subprocess-shell-true-nonliteral
    return subprocess.check_output("df -h | sort -k5 -r", shell=True, text=True)


def grep_logs_quoted(pattern):
    # ok: python-subprocess-shell-true-nonliteral
    return subprocess.run(shlex.join(["grep", pattern, "/var/log/app.log"]), shell=True)


def reload_nginx(dry_run):
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.call(["nginx", "-s", "reload"], shell=False)


@app.route("/echo", methods=["POST"])
def echo():
    text = request.form.get("text", "")
    # ruleid: python-subprocess-shell-true-nonliteral
    proc = subprocess.run(f"echo {text}", shell=True, capture_output=True)
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(["echo", text], capture_output=True)
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run("echo " + shlex.quote(text), shell=True)
    return proc.stdout


@app.route("/sh", methods=["POST"])
def echo_through_sh():
    text = request.form.get("text", "")
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run(["sh", "-c", f"echo {text}"], capture_output=True)


@app.route("/argv", methods=["POST"])
def echo_argv_built():
    text = request.values.get("text", "")
    argv = []
    if platform.system() == "Windows":
        argv.append("cmd.exe")
        argv.append("/c")
    else:
        argv.append("sh")
        argv.append("-c")
    argv.append(f"echo {text}")
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run(argv, capture_output=True)


@app.route("/argv-safe", methods=["POST"])
def echo_argv_no_shell():
    text = request.values.get("text", "")
    argv = ["echo"]
    argv.append(text)
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(argv, capture_output=True)


@app.route("/exec", methods=["POST"])
def exec_shell():
    # ruleid: python-subprocess-shell-true-nonliteral
    os.execl("/bin/sh", "sh", "-c", request.json["cmd"])


@app.route("/choice")
def choice():
    options = {}
    options["safe"] = "uptime"
    options["user"] = request.args.get("cmd")
    command = options["safe"]
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(command, shell=True)
    command = options["user"]
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run(command, shell=True)


@app.route("/branch")
def branch():
    command = "uptime"
    if "up" in command:
        command = request.args.get("cmd")
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run(command, shell=True)


@app.route("/header")
def header_loop():
    name = ""
    for key in request.headers.keys():
        name = key
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run("logger " + name, shell=True)


def django_view(request):
    host = request.GET["host"]
    # ruleid: python-subprocess-shell-true-nonliteral
    out = subprocess.check_output("nslookup " + host, shell=True)
    return HttpResponse(out)


@app.route("/kwargs")
def shell_in_kwargs():
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run("nslookup " + request.args["host"], **{"shell": True})


@app.route("/shell-flag")
def shell_flag_in_variable():
    use_shell = True
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run("nslookup " + request.args["host"], shell=use_shell)


@app.route("/positional")
def positional_argument():
    # sh -c with the data as a positional parameter ("$1") is the safe way to use a shell.
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(["sh", "-c", 'nslookup "$1"', "sh", request.args["host"]])
    argv = ["sh", "-c", 'nslookup "$1"', "sh", request.args["host"]]
    # todook: python-subprocess-shell-true-nonliteral
    subprocess.run(argv)


# --- issue 13 red team: shells started through other doors ---
import os
import pty

SHELL_OPTS = {"shell": True, "capture_output": True}


@app.route("/opts-constant")
def shell_in_a_module_dict():
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.run("ping -c1 " + request.args["host"], **SHELL_OPTS)


@app.route("/opts-local")
def shell_in_a_local_dict():
    kw = dict(shell=True)
    # ruleid: python-subprocess-shell-true-nonliteral
    subprocess.call("ping -c1 " + request.args["host"], **kw)


@app.route("/opts-no-shell")
def no_shell_in_the_dict():
    kw = {"capture_output": True}
    # ok: python-subprocess-shell-true-nonliteral
    subprocess.run(["ping", "-c1", request.args["host"]], **kw)


@app.route("/pty")
def pty_spawn_shell():
    # ruleid: python-subprocess-shell-true-nonliteral
    pty.spawn(["/bin/sh", "-c", "ping -c1 " + request.args["host"]])


@app.route("/spawn")
def os_spawn_shell():
    # ruleid: python-subprocess-shell-true-nonliteral
    os.spawnlp(os.P_WAIT, "sh", "sh", "-c", "ping -c1 " + request.args["host"])
    # ruleid: python-subprocess-shell-true-nonliteral
    os.spawnv(os.P_WAIT, "/bin/sh", ["sh", "-c", "ping -c1 " + request.args["host"]])
    # ruleid: python-subprocess-shell-true-nonliteral
    os.posix_spawn("/bin/sh", ["sh", "-c", "ping " + request.args["host"]], os.environ)
    # ok: python-subprocess-shell-true-nonliteral
    os.spawnlp(os.P_WAIT, "ping", "ping", "-c1", request.args["host"])
