import io
import shutil
import tarfile
import zipfile

from flask import Flask, request

app = Flask(__name__)
LIMIT = 100 * 1024 * 1024


@app.route("/import", methods=["POST"])
def import_zip():
    upload = request.files["archive"]
    with zipfile.ZipFile(upload.stream) as zf:
        # ruleid: python-archive-extract-request
        zf.extractall("/srv/imports")
    return "ok"


@app.route("/import-bytes", methods=["POST"])
def import_bytes():
    # ruleid: python-archive-extract-request
    zipfile.ZipFile(io.BytesIO(request.get_data())).extractall("/srv/imports")
    return "ok"


@app.route("/import-tar", methods=["POST"])
def import_tar():
    with tarfile.open(fileobj=request.files["bundle"], mode="r:*") as tar:
        # ruleid: python-archive-extract-request
        tar.extractall("/srv/bundles", filter="data")
    return "ok"


def django_import(request):
    path = "/tmp/upload.zip"
    with open(path, "wb") as out:
        out.write(request.FILES["archive"].read())
    zf = zipfile.ZipFile(request.FILES["archive"])
    # ruleid: python-archive-extract-request
    zf.extract("data.csv", "/srv/imports")


# ---- safe variants -------------------------------------------------------------------------


@app.route("/import-checked", methods=["POST"])
def import_checked():
    with zipfile.ZipFile(request.files["archive"].stream) as zf:
        infos = zf.infolist()
        if len(infos) > 1000 or sum(info.file_size for info in infos) > LIMIT:
            return "archive too large", 413
        # ok: python-archive-extract-request
        zf.extractall("/srv/imports")
    return "ok"


def unpack_release(path: str) -> None:
    # An archive that is not from the request is not this rule's business.
    with zipfile.ZipFile(path) as zf:
        # ok: python-archive-extract-request
        zf.extractall("/srv/release")
    # ok: python-archive-extract-request
    shutil.unpack_archive("/srv/release.zip", "/srv/release")
