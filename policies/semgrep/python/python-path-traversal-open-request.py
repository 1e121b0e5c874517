import os

from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
REPORT_DIR = "/srv/reports"


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
    return "ok"


@app.route("/about")
def about():
    # ok: python-path-traversal-open-request
    with open(os.path.join(REPORT_DIR, "about.html")) as fh:
        return fh.read()
