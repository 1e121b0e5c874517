import base64
import hmac
import json
import marshal
import pickle
import shelve
import socket
from hashlib import sha256

import dill
import joblib
import jsonpickle
import numpy as np
import pandas as pd
import requests
import yaml
from fastapi import FastAPI
from flask import Flask, request

app = Flask(__name__)
api = FastAPI()
KEY = b"server-side secret"


@app.route("/session")
def load_session():
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(base64.b64decode(request.cookies["session"]))


@app.route("/session-json")
def load_session_json():
    # ok: python-deserialization-untrusted-data
    return json.loads(request.cookies["session"])


@app.route("/session-signed")
def load_session_signed():
    data = base64.b64decode(request.cookies["session"])
    signature = request.cookies["signature"]
    if not hmac.compare_digest(signature, hmac.new(KEY, data, sha256).hexdigest()):
        return "forged", 403
    # ok: python-deserialization-untrusted-data
    return pickle.loads(data)


@app.route("/config", methods=["POST"])
def load_config():
    text = request.get_data(as_text=True)
    # ruleid: python-deserialization-untrusted-data
    unsafe = yaml.load(text, Loader=yaml.Loader)
    # ruleid: python-deserialization-untrusted-data
    also_unsafe = yaml.unsafe_load(text)
    # ok: python-deserialization-untrusted-data
    safe = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: python-deserialization-untrusted-data
    also_safe = yaml.safe_load(text)
    return unsafe, also_unsafe, safe, also_safe


@app.route("/upload", methods=["POST"])
def upload():
    upload = request.files["model"]
    # ruleid: python-deserialization-untrusted-data
    model = joblib.load(upload)
    # ruleid: python-deserialization-untrusted-data
    array = np.load(upload, allow_pickle=True)
    # ok: python-deserialization-untrusted-data
    plain = np.load(upload)
    return model, array, plain


@app.route("/legacy", methods=["POST"])
def legacy():
    body = request.data
    # ruleid: python-deserialization-untrusted-data
    a = jsonpickle.decode(body)
    # ruleid: python-deserialization-untrusted-data
    b = marshal.loads(body)
    # ruleid: python-deserialization-untrusted-data
    c = dill.loads(body)
    # ruleid: python-deserialization-untrusted-data
    d = pd.read_pickle(request.files["frame"])
    return a, b, c, d


@app.route("/shelf/<name>")
def shelf(name):
    # ruleid: python-deserialization-untrusted-data
    return dict(shelve.open(name))


@app.route("/overwritten")
def overwritten():
    blob = request.cookies.get("state")
    blob = pickle.dumps({})
    # ok: python-deserialization-untrusted-data
    return pickle.loads(blob)


@app.route("/framed")
def framed():
    frame = request.headers.get("X-State", "")
    payload = frame[4:]
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(base64.b64decode(payload))


@app.route("/ruamel")
def ruamel_round_trip():
    from ruamel.yaml import YAML

    yaml = YAML()
    # ok: python-deserialization-untrusted-data
    return yaml.load(request.data)


@api.post("/state")
async def fastapi_state(state: str):
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(base64.b64decode(state))


def django_view(request):
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(request.body)


def fetch_model(url):
    response = requests.get(url)
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(response.content)


def serve(conn: socket.socket):
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(conn.recv(65536))


def load_cache(path):
    with open(path, "rb") as fh:
        # ok: python-deserialization-untrusted-data
        return pickle.load(fh)


def read_settings(path):
    with open(path) as fh:
        # ok: python-deserialization-untrusted-data
        return yaml.load(fh, Loader=yaml.Loader)


@app.route("/session-signed-before")
def load_session_signed_before():
    data = base64.b64decode(request.cookies["session"])
    expected = hmac.new(KEY, data, sha256).hexdigest()
    if not hmac.compare_digest(request.cookies["signature"], expected):
        raise PermissionError("forged session")
    # ok: python-deserialization-untrusted-data
    return pickle.loads(data)


@app.route("/session-compared-not-checked")
def load_session_compared_not_checked():
    data = base64.b64decode(request.cookies["session"])
    if not hmac.compare_digest(request.cookies["signature"], hmac.new(KEY, data, sha256).hexdigest()):
        app.logger.warning("bad signature")
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(data)


@app.route("/session-compared-with-itself")
def load_session_compared_with_itself():
    data = base64.b64decode(request.cookies["session"])
    signature = request.cookies["signature"]
    if not hmac.compare_digest(signature, signature):
        return "forged", 403
    # ruleid: python-deserialization-untrusted-data
    return pickle.loads(data)


# A pickle shipped inside the code: it runs as it loads.
def embedded_payloads(row):
    import zlib

    # ruleid: python-deserialization-untrusted-data
    pickle.loads(base64.b64decode(b"gASVIQAAAAAAAACMBXBvc2l4lIwGc3lzdGVtlJOUjAJpZJSFlFKULg=="))
    # ruleid: python-deserialization-untrusted-data
    marshal.loads(zlib.decompress(bytes.fromhex("789c")))
    # ok: python-deserialization-untrusted-data
    return pickle.loads(base64.b64decode(row.cached))  # stored data: pickle's own note
