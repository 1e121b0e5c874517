import urllib.parse
from urllib.parse import urlparse

import flask
from django.http import HttpResponseRedirect
from django.shortcuts import redirect as django_redirect
from django.utils.http import url_has_allowed_host_and_scheme
from flask import Flask, redirect, request, url_for
from starlette.responses import RedirectResponse

app = Flask(__name__)
ALLOWED_HOSTS = {"example.com", "www.example.com"}


@app.route("/login")
def login():
    # ruleid: python-open-redirect-request
    return redirect(request.args.get("next", "/"))


@app.route("/go")
def go():
    target = request.cookies.get("return_to") or "/"
    # ruleid: python-open-redirect-request
    return flask.redirect(target, code=302)


@app.route("/header")
def header_redirect():
    response = flask.make_response("", 302)
    # ruleid: python-open-redirect-request
    response.headers["Location"] = request.headers.get("X-Return-To", "/")
    return response


@app.route("/prefix")
def prefix_is_not_a_check():
    # "//evil.example" and "/\\evil.example" start with "/" and leave the site.
    target = request.args["next"]
    if not target.startswith("/"):
        target = "/"
    # ruleid: python-open-redirect-request
    return redirect(target)


@app.route("/parsed-only")
def parsing_is_not_checking():
    target = request.args["next"]
    parts = urlparse(target)
    app.logger.info("redirect to %s", parts.path)
    # ruleid: python-open-redirect-request
    return redirect(target)


def django_view(request):
    # ruleid: python-open-redirect-request
    return HttpResponseRedirect(request.GET["next"])


def django_view_shortcut(request):
    # ruleid: python-open-redirect-request
    return django_redirect(request.POST.get("next"))


async def starlette_view(request):
    # ruleid: python-open-redirect-request
    return RedirectResponse(url=request.query_params["next"])


# ---- safe variants -------------------------------------------------------------------------


@app.route("/home")
def home():
    # ok: python-open-redirect-request
    return redirect(url_for("index"))


@app.route("/endpoint")
def endpoint():
    # ok: python-open-redirect-request
    return redirect(url_for(request.args.get("page", "index")))


@app.route("/checked")
def checked():
    target = request.args.get("next", "/")
    url = urllib.parse.urlparse(target)
    if url.netloc not in ALLOWED_HOSTS or url.scheme != "https":
        return "bad target", 400
    # ok: python-open-redirect-request
    return redirect(target)


@app.route("/checked-inline")
def checked_inline():
    target = request.args.get("next", "/")
    if urlparse(target).hostname != "example.com":
        flask.abort(400)
    # ok: python-open-redirect-request
    return redirect(target)


def django_checked(request):
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: python-open-redirect-request
    return HttpResponseRedirect(target)


@app.route("/dead-branch")
def dead_branch():
    target = request.args.get("next", "/")
    limit = 106
    chosen = "/home" if 7 * 18 + limit > 200 else target
    # ok: python-open-redirect-request
    return redirect(chosen)


@app.route("/page")
def page():
    number = int(request.args["page"])
    # ok: python-open-redirect-request
    return redirect(f"/articles?page={number}")


@app.route("/docs")
def docs():
    topic = request.args.get("topic", "")
    # ok: python-open-redirect-request
    return redirect(f"https://docs.example.com/search?q={topic}")


@app.route("/docs-host")
def docs_host():
    sub = request.args.get("sub", "")
    # ruleid: python-open-redirect-request
    return redirect(f"https://{sub}.example.com/")


@app.route("/docs-userinfo")
def docs_userinfo():
    # "https://example.com@evil.example/" goes to evil.example.
    # ruleid: python-open-redirect-request
    return redirect("https://example.com@" + request.args["rest"])


@app.route("/root-relative")
def root_relative():
    # "/" + "/evil.example" is "//evil.example", another host.
    # ruleid: python-open-redirect-request
    return redirect("/" + request.args["path"])


@app.route("/keyword")
def keyword_redirect():
    # ruleid: python-open-redirect-request
    return redirect(location=request.args["next"])


@app.route("/raw-response")
def raw_response():
    # ruleid: python-open-redirect-request
    return flask.Response(status=302, headers={"Location": request.args["next"]})


# --- issue 13 red team: the Location header set by hand ---
@app.route("/location-tuple")
def location_in_a_return_tuple():
    # ruleid: python-open-redirect-request
    return "", 302, {"Location": request.args["to"]}


@app.route("/location-set")
def location_header_set():
    resp = flask.Response(status=302)
    # ruleid: python-open-redirect-request
    resp.headers.set("Location", request.args["to"])
    # ok: python-open-redirect-request
    resp.headers.set("X-Next", request.args["to"])
    return resp


@app.route("/location-own")
def location_own_url():
    # ok: python-open-redirect-request
    return "", 302, {"Location": flask.url_for("index")}


ALLOWED_NEXT = {"/", "/home", "/account"}


@app.route("/allowlist-reset")
def allowlist_then_reset():
    nxt = request.args.get("next", "/")
    if nxt not in ALLOWED_NEXT:
        nxt = "/"
    # ok: python-open-redirect-request
    return redirect(nxt)


@app.route("/allowlist-leave")
def allowlist_then_leave():
    nxt = request.args.get("next", "/")
    if nxt not in ("/", "/home"):
        return redirect("/")
    # ok: python-open-redirect-request
    return redirect(nxt)


@app.route("/denylist")
def denylist_is_not_allowlist():
    nxt = request.args.get("next", "/")
    if nxt in ("//evil.example",):
        nxt = "/"
    # ruleid: python-open-redirect-request
    return redirect(nxt)


@app.route("/allowlist-other-var")
def allowlist_of_another_value():
    nxt = request.args.get("next", "/")
    other = request.args.get("o", "/")
    if other not in ALLOWED_NEXT:
        other = "/"
    # ruleid: python-open-redirect-request
    return redirect(nxt)


@app.route("/host-present")
def only_checks_that_a_host_is_present():
    # "///evil.example" has no netloc for urlparse, and a host for the browser.
    target = request.args.get("next", "/")
    if urlparse(target).netloc:
        target = "/"
    # ruleid: python-open-redirect-request
    return redirect(target)


@app.route("/host-empty")
def only_checks_that_the_host_is_empty():
    target = request.args.get("next", "/")
    parsed = urllib.parse.urlsplit(target)
    if parsed.netloc != "":
        return redirect("/")
    # ruleid: python-open-redirect-request
    return redirect(target)


@app.route("/host-compared")
def compares_the_host():
    target = request.args.get("next", "/")
    parsed = urlparse(target)
    if parsed.hostname != "example.com":
        return redirect("/")
    # ok: python-open-redirect-request
    return redirect(target)
