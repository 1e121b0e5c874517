import configparser
import os
import pathlib
import shutil
from pathlib import Path

import flask
from django.views import View
from flask import Flask, abort, request
from flask import request as rq
from starlette.responses import FileResponse
from werkzeug.utils import secure_filename

app = Flask(__name__)
REPORT_DIR = "/srv/reports"
BASE = Path("/srv/files")


@app.route("/report")
def report():
    # ruleid: python-path-traversal-open-request
    with open(os.path.join(REPORT_DIR, request.args["name"])) as fh:
        return fh.read()


@app.route("/upload", methods=["POST"])
def upload():
    name = request.form.get("filename")
    path = os.path.join("/srv/uploads", name)
    # ruleid: python-path-traversal-open-request
    with open(path, "wb") as fh:
        fh.write(request.get_data())
    return "ok"


def download(request):
    # ruleid: python-path-traversal-open-request
    fh = open("/srv/exports/" + request.GET["file"], "rb")
    return fh.read()


@app.route("/avatar", methods=["POST"])
def avatar():
    upload = request.files["avatar"]
    # ruleid: python-path-traversal-open-request
    upload.save(os.path.join("/srv/avatars", upload.filename))
    return "saved"


@app.route("/notes/<name>")
def note(name):
    # ruleid: python-path-traversal-open-request
    return (BASE / rq.args.get("path", "")).read_text()


@app.route("/delete", methods=["POST"])
def delete():
    target = flask.request.json["target"]
    # ruleid: python-path-traversal-open-request
    os.remove(f"/srv/files/{target}")
    # ruleid: python-path-traversal-open-request
    shutil.rmtree(os.path.join("/srv/cache", target))
    return "gone"


@app.route("/exists")
def exists():
    wanted = request.headers.get("X-File", "")
    # ruleid: python-path-traversal-open-request
    return "yes" if os.path.exists(os.path.join(REPORT_DIR, wanted)) else "no"


class ExportView(View):
    def get(self, request):
        # ruleid: python-path-traversal-open-request
        return open(os.path.join("/srv/exports", self.request.GET["f"])).read()


async def starlette_download(request):
    # ruleid: python-path-traversal-open-request
    return FileResponse("/srv/public/" + request.query_params["f"])


@app.route("/lexical")
def lexical_check_is_not_enough():
    # is_relative_to() on a path that was never resolved is true for "a/../../etc/passwd".
    p = BASE / request.args["p"]
    if not p.is_relative_to(BASE):
        abort(400)
    # ruleid: python-path-traversal-open-request
    return p.read_bytes()


@app.route("/prefix")
def prefix_check_is_not_enough():
    path = os.path.join(REPORT_DIR, request.args["p"])
    if not path.startswith(REPORT_DIR):
        abort(400)
    # ruleid: python-path-traversal-open-request
    return open(path).read()


@app.route("/warn-only")
def a_check_that_does_not_stop():
    name = request.args["name"]
    if ".." in name:
        app.logger.warning("odd name %s", name)
    # ruleid: python-path-traversal-open-request
    return open(REPORT_DIR + "/" + name).read()


@app.route("/parts")
def parts():
    segments = ["/srv", "reports"]
    segments.append(request.args["name"])
    # ruleid: python-path-traversal-open-request
    return open(os.path.join(*segments)).read()


@app.route("/conf")
def conf():
    cfg = configparser.ConfigParser()
    cfg.add_section("s")
    cfg.set("s", "fixed", "readme.txt")
    cfg.set("s", "user", request.args["name"])
    # ruleid: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, cfg.get("s", "user"))).read()


@app.route("/branch")
def branch(limit: int):
    name = "index.html" if limit > 10 else request.args["name"]
    # ruleid: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, name)).read()


@app.route("/rename", methods=["POST"])
def rename():
    # ruleid: python-path-traversal-open-request
    os.rename("/srv/tmp/upload", os.path.join("/srv/files", request.form["to"]))
    return "moved"


@app.route("/join-abs")
def dots_check_then_join():
    # Known gap: ".." is rejected, but os.path.join() still honours an absolute name
    # ("/etc/passwd"). Treating the check as enough keeps f"{BASE}/{name}" code quiet.
    name = request.args["name"]
    if ".." in name:
        abort(400)
    # todoruleid: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, name)).read()


@app.route("/slash-prefix")
def prefix_every_path_has():
    full = os.path.realpath(os.path.join(REPORT_DIR, request.args["p"]))
    if not full.startswith("/"):
        abort(404)
    # ruleid: python-path-traversal-open-request
    return open(full).read()


@app.route("/logged-check")
def check_that_decides_nothing():
    full = (BASE / request.args["p"]).resolve()
    app.logger.info("inside: %s", full.is_relative_to(BASE))
    # ruleid: python-path-traversal-open-request
    return full.read_text()


@app.route("/backslash")
def backslash_check_only():
    # On POSIX "..\\" is not a separator: rejecting it leaves "../" through.
    name = request.args["name"]
    if "..\\" in name:
        abort(400)
    # ruleid: python-path-traversal-open-request
    return open(f"{REPORT_DIR}/{name}").read()


@app.route("/keyword")
def keyword_argument():
    # ruleid: python-path-traversal-open-request
    return open(file=REPORT_DIR + "/" + request.args["name"]).read()


@app.route("/table")
def table():
    import pandas as pd

    # ruleid: python-path-traversal-open-request
    return pd.read_csv(os.path.join("/srv/tables", request.args["t"])).to_html()


# ---- safe variants -------------------------------------------------------------------------


@app.route("/report-safe")
def report_safe():
    # ok: python-path-traversal-open-request
    with open(os.path.join(REPORT_DIR, secure_filename(request.args["name"]))) as fh:
        return fh.read()


@app.route("/upload-safe", methods=["POST"])
def upload_safe():
    name = secure_filename(request.form.get("filename", ""))
    path = os.path.join("/srv/uploads", name)
    # ok: python-path-traversal-open-request
    with open(path, "wb") as fh:
        fh.write(request.get_data())
    upload = request.files["doc"]
    # ok: python-path-traversal-open-request
    upload.save(os.path.join("/srv/docs", os.path.basename(upload.filename)))
    return "ok"


@app.route("/about")
def about():
    # ok: python-path-traversal-open-request
    with open(os.path.join(REPORT_DIR, "about.html")) as fh:
        return fh.read()


@app.route("/resolved")
def resolved():
    p = (BASE / request.args["p"]).resolve()
    if not p.is_relative_to(BASE.resolve()):
        abort(404)
    # ok: python-path-traversal-open-request
    return p.read_text()


@app.route("/realpath")
def realpath():
    full = os.path.realpath(os.path.join(REPORT_DIR, request.args["p"]))
    if not full.startswith(REPORT_DIR + os.sep):
        abort(404)
    # ok: python-path-traversal-open-request
    return open(full).read()


@app.route("/dots")
def dots():
    name = request.cookies.get("theme", "light")
    if "../" in name:
        return "bad name", 400
    # ok: python-path-traversal-open-request
    return open(f"/srv/themes/{name}.css").read()


@app.route("/numeric")
def numeric():
    page = int(request.args["page"])
    # ok: python-path-traversal-open-request
    return open(f"/srv/pages/{page}.html").read()


@app.route("/dead-branch")
def dead_branch():
    name = request.args.get("name", "")
    limit = 106
    chosen = "index.html" if 7 * 18 + limit > 200 else name
    # ok: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, chosen)).read()


@app.route("/dead-if")
def dead_if():
    name = request.args.get("name", "")
    if 3 > 2:
        chosen = "index.html"
    else:
        chosen = name
    # ok: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, chosen)).read()


@app.route("/dict")
def constant_key():
    files = {}
    files["default"] = "index.html"
    files["asked"] = request.args.get("name", "")
    # Known false positive: semgrep's open-source engine taints the whole dict once one entry is
    # request data, unless a constant is stored after it.
    # todook: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, files["default"])).read()


@app.route("/conf-safe")
def conf_safe():
    cfg = configparser.ConfigParser()
    cfg.add_section("s")
    cfg.set("s", "fixed", "readme.txt")
    cfg.set("s", "user", request.args["name"])
    # ok: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, cfg.get("s", "fixed"))).read()


@app.route("/text")
def text_only():
    name = request.args["name"]
    # ok: python-path-traversal-open-request
    cleaned = name.replace("-", "_")
    # ok: python-path-traversal-open-request
    return open(os.path.join(REPORT_DIR, f"{request.method.lower()}.log")).read() + cleaned


def read_config(path: str) -> str:
    # A path that is not from the request is not this rule's business.
    # ok: python-path-traversal-open-request
    return pathlib.Path(path).read_text()


# ---- route handler parameters --------------------------------------------------------------

from uuid import UUID  # noqa: E402

from fastapi import Depends, FastAPI  # noqa: E402

api = FastAPI()


@app.route("/files/<path:name>")
def url_variable(name):
    # ruleid: python-path-traversal-open-request
    return open(os.path.join("/srv/files", name)).read()


@api.get("/download")
async def query_parameter(filename: str):
    # ruleid: python-path-traversal-open-request
    return FileResponse(f"/srv/public/{filename}")


@api.get("/reports/{report_id}")
def numeric_parameter(report_id: int, version: UUID):
    # ok: python-path-traversal-open-request
    return open(f"/srv/reports/{report_id}-{version}.pdf", "rb").read()


@api.get("/me/avatar")
def injected_dependency(profile=Depends(current_profile)):
    # A dependency is the application's own object, not the client's text.
    # ok: python-path-traversal-open-request
    return open(profile.avatar_path, "rb").read()


def not_a_handler(name):
    # ok: python-path-traversal-open-request
    return open(os.path.join("/srv/files", name)).read()


# --- issue 13 red team: commonpath with the base second ---
@app.route("/commonpath-base-second")
def commonpath_base_second():
    base = "/srv/files"
    p = os.path.realpath(os.path.join(base, request.args["f"]))
    if os.path.commonpath([p, base]) != base:
        return "no", 400
    # ok: python-path-traversal-open-request
    return open(p).read()


@app.route("/commonpath-unresolved")
def commonpath_unresolved():
    base = "/srv/files"
    p = os.path.join(base, request.args["f"])
    if os.path.commonpath([p, base]) != base:
        return "no", 400
    # ruleid: python-path-traversal-open-request
    return open(p).read()
