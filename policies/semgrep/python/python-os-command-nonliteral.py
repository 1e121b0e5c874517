import commands
import os
import shlex
import subprocess


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
