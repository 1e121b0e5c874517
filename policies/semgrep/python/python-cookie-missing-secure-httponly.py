from django.http import HttpResponse
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    resp = make_response("ok")
    # ruleid: python-cookie-missing-secure-httponly
    resp.set_cookie("session_id", "abc123")
    return resp


def remember_me(request, token):
    response = HttpResponse("ok")
    # ruleid: python-cookie-missing-secure-httponly
    response.set_cookie("remember", token, max_age=3600, secure=True)
    return response


def tracking(request, visitor_id):
    response = HttpResponse("ok")
    # ruleid: python-cookie-missing-secure-httponly
    response.set_signed_cookie("vid", visitor_id, secure=False, httponly=True)
    return response


@app.route("/login-safe", methods=["POST"])
def login_safe():
    resp = make_response("ok")
    # ok: python-cookie-missing-secure-httponly
    resp.set_cookie("session_id", "abc123", secure=True, httponly=True, samesite="Lax")
    return resp


def remember_me_safe(request, token, settings):
    response = HttpResponse("ok")
    # ok: python-cookie-missing-secure-httponly
    response.set_cookie("remember", token, httponly=True, secure=settings.SESSION_COOKIE_SECURE)
    return response


@app.route("/logout")
def logout():
    resp = make_response("bye")
    # ok: python-cookie-missing-secure-httponly
    resp.delete_cookie("session_id")
    return resp


def copy_cookies(source_jar, target_jar):
    for cookie in source_jar:
        # ok: python-cookie-missing-secure-httponly
        target_jar.set_cookie(cookie)
