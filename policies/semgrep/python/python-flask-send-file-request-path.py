import os

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
