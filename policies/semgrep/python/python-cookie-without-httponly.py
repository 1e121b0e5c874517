from django.http import HttpResponse
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    resp = make_response("ok")
    # ruleid: python-cookie-without-httponly
    resp.set_cookie("session_id", "abc123", secure=True, samesite="Lax")
    return resp


def remember(request, token):
    response = HttpResponse("ok")
    # ruleid: python-cookie-without-httponly
    response.set_cookie("remember", token, secure=True, httponly=False)
    return response


@app.route("/login-safe", methods=["POST"])
def login_safe():
    resp = make_response("ok")
    # ok: python-cookie-without-httponly
    resp.set_cookie("session_id", "abc123", secure=True, httponly=True, samesite="Lax")
    return resp


def configured(request, token, settings):
    response = HttpResponse("ok")
    # ok: python-cookie-without-httponly
    response.set_cookie("remember", token, secure=True, httponly=settings.COOKIE_HTTPONLY)
    return response


def copy_cookies(source_jar, target_jar):
    for cookie in source_jar:
        # ok: python-cookie-without-httponly
        target_jar.set_cookie(cookie)


def splatted(resp, token):
    # ruleid: python-cookie-without-httponly
    resp.set_cookie("sid", token, **{"secure": True})


def splatted_off(resp, token):
    # ruleid: python-cookie-without-httponly
    resp.set_cookie("sid", token, secure=True, **{"httponly": False})


def splatted_safe(resp, token):
    # ok: python-cookie-without-httponly
    resp.set_cookie("sid", token, **{"secure": True, "httponly": True})


def forwarded(resp, token, **options):
    # ok: python-cookie-without-httponly
    resp.set_cookie("sid", token, **options)
