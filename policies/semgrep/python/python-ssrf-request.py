import urllib.parse
import urllib.request
from urllib.parse import urljoin, urlparse

import http.client
import os
import socket

import aiohttp
import httpx
import requests
import urllib3
from django.conf import settings
from flask import Flask, abort, current_app, request
from requests import Session

app = Flask(__name__)
API = "https://api.example.com"
ALLOWED = {"images.example.com", "cdn.example.com"}


@app.route("/fetch")
def fetch():
    # ruleid: python-ssrf-request
    return requests.get(request.args["url"], timeout=5).text


@app.route("/webhook", methods=["POST"])
def webhook():
    callback = request.get_json()["callback"]
    # ruleid: python-ssrf-request
    requests.post(callback, json={"ok": True}, timeout=5)
    return "sent"


@app.route("/preview")
def preview():
    # ruleid: python-ssrf-request
    with urllib.request.urlopen(request.args.get("link", "")) as answer:
        return answer.read()


@app.route("/host")
def host_from_request():
    host = request.args["host"]
    # ruleid: python-ssrf-request
    return httpx.get(f"https://{host}/status").text


@app.route("/userinfo")
def userinfo_trick():
    # "https://api.example.com" + "@169.254.169.254/" goes to 169.254.169.254.
    # ruleid: python-ssrf-request
    return requests.get(API + request.args["path"]).text


@app.route("/join")
def urljoin_is_not_a_check():
    # urljoin(base, "//169.254.169.254/") and urljoin(base, "http://x/") replace the host.
    # ruleid: python-ssrf-request
    return requests.get(urljoin(API + "/", request.args["path"])).text


@app.route("/session")
def session():
    with Session() as client:
        # ruleid: python-ssrf-request
        return client.get(request.headers["X-Target"]).text


@app.route("/pool")
def pool():
    manager = urllib3.PoolManager()
    # ruleid: python-ssrf-request
    return manager.request("GET", request.args["url"]).data


async def proxy(request):
    async with aiohttp.ClientSession() as client:
        # ruleid: python-ssrf-request
        async with client.get(request.query_params["url"]) as answer:
            return await answer.text()


def django_view(request):
    client = httpx.Client()
    # ruleid: python-ssrf-request
    return client.post(request.POST["endpoint"], data={"a": 1}).text


@app.route("/parsed-only")
def parsed_only():
    url = request.args["url"]
    parts = urlparse(url)
    app.logger.info("fetching %s", parts.path)
    # ruleid: python-ssrf-request
    return requests.get(url).text


@app.route("/upper-case-variable")
def upper_case_is_not_constant():
    # An upper-case name is not a constant by itself.
    TARGET = request.args["base"]
    # ruleid: python-ssrf-request
    return requests.get(f"{TARGET}/status", timeout=5).text


@app.route("/raw")
def raw_clients():
    host = request.args["host"]
    # ruleid: python-ssrf-request
    conn = http.client.HTTPSConnection(host, timeout=5)
    conn.request("GET", "/")
    # ruleid: python-ssrf-request
    socket.create_connection((host, 6379), timeout=2).close()
    return conn.getresponse().read()


# ---- safe variants -------------------------------------------------------------------------


@app.route("/user")
def user():
    uid = request.args["id"]
    # ok: python-ssrf-request
    return requests.get(f"https://api.example.com/users/{uid}").text


@app.route("/search")
def search():
    # ok: python-ssrf-request
    return requests.get("https://search.example.com/?q=" + request.args["q"]).text


@app.route("/configured")
def configured():
    uid = request.args["id"]
    api = "https://api.example.com"
    # ok: python-ssrf-request
    requests.get(f"{api}/users/{uid}", timeout=5)
    # ok: python-ssrf-request
    requests.get(api + "/users/" + uid, timeout=5)
    # ok: python-ssrf-request
    requests.get(API + "/users/" + uid, timeout=5)
    # ok: python-ssrf-request
    requests.get(f"{settings.BILLING_URL}/invoices/{uid}", timeout=5)
    # ok: python-ssrf-request
    requests.get(f"{os.environ['STATUS_API']}/s/{uid}", timeout=5)
    # ok: python-ssrf-request
    return requests.get(f"{current_app.config['PROFILE_API']}/p/{uid}", timeout=5).text


@app.route("/allow-listed")
def allow_listed():
    url = request.args["url"]
    parsed = urllib.parse.urlparse(url)
    if parsed.hostname not in ALLOWED:
        abort(400)
    # ok: python-ssrf-request
    return requests.get(url, timeout=5).content


@app.route("/page")
def page():
    number = int(request.args["page"])
    # ok: python-ssrf-request
    return httpx.get(f"{API}?page={number}").text


@app.route("/body")
def body_only():
    # Request data in the body or the parameters of a request to a fixed URL is not SSRF.
    # ok: python-ssrf-request
    return requests.post(API + "/notes", json=request.get_json(), timeout=5).text


@app.route("/lookup")
def lookup():
    # dict.get(), not an HTTP client.
    cache = {"a": 1}
    # ok: python-ssrf-request
    return str(cache.get(request.args["key"]))


@app.route("/proxy/<path:target>")
def proxy_path(target):
    # ruleid: python-ssrf-request
    return requests.get(target, timeout=5).content


@app.route("/avatar/<int:user_id>")
def avatar(user_id: int):
    # ok: python-ssrf-request
    return requests.get(f"{API}/avatars/{user_id}", timeout=5).content
