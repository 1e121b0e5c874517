import asyncio
import shlex
import subprocess
from subprocess import Popen


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
