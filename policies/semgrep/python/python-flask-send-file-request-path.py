import io
import os

import flask
from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
DOWNLOADS = "/srv/downloads"


@app.route("/download")
def download():
    # ruleid: python-flask-send-file-request-path
    return send_file(os.path.join(DOWNLOADS, request.args["name"]), as_attachment=True)


@app.route("/avatar")
def avatar():
    path = request.args.get("path", "default.png")
    # ruleid: python-flask-send-file-request-path
    return send_file(path, mimetype="image/png")


@app.route("/browse")
def browse():
    folder = request.args.get("folder")
    # ruleid: python-flask-send-file-request-path
    return send_from_directory(folder, "index.html")


@app.route("/download-safe")
def download_safe():
    # ok: python-flask-send-file-request-path
    return send_from_directory(DOWNLOADS, request.args["name"], as_attachment=True)


@app.route("/report")
def report():
    # ok: python-flask-send-file-request-path
    return send_file(os.path.join(DOWNLOADS, "report.pdf"), as_attachment=True)


@app.route("/avatar-safe")
def avatar_safe():
    name = secure_filename(request.args.get("name", "default.png"))
    # ok: python-flask-send-file-request-path
    return send_file(os.path.join(DOWNLOADS, name), mimetype="image/png")


@app.route("/export")
def export():
    # ruleid: python-flask-send-file-request-path
    return flask.send_file(f"/srv/exports/{flask.request.cookies['last_export']}")


@app.route("/lexical")
def lexical():
    path = os.path.join(DOWNLOADS, request.args["name"])
    if not path.startswith(DOWNLOADS):
        return "no", 404
    # ruleid: python-flask-send-file-request-path
    return send_file(path)


@app.route("/resolved")
def resolved():
    path = os.path.realpath(os.path.join(DOWNLOADS, request.args["name"]))
    if not path.startswith(DOWNLOADS + os.sep):
        return "no", 404
    # ok: python-flask-send-file-request-path
    return send_file(path)


@app.route("/echo", methods=["POST"])
def echo():
    # ok: python-flask-send-file-request-path
    return send_file(io.BytesIO(request.get_data()), mimetype="application/octet-stream")


@app.route("/pick")
def pick():
    names = {}
    names["default"] = "report.pdf"
    names["asked"] = request.args.get("name", "")
    # Known false positive: semgrep's open-source engine may taint the whole dict once one entry
    # is request data.
    # todook: python-flask-send-file-request-path
    return send_file(os.path.join(DOWNLOADS, names["default"]))


@app.route("/keyword")
def keyword():
    # ruleid: python-flask-send-file-request-path
    return send_file(path_or_file=request.args["path"])
