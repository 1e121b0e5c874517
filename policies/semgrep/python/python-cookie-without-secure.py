from django.http import HttpResponse
from flask import Flask, make_response
from starlette.responses import Response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    resp = make_response("ok")
    # ruleid: python-cookie-without-secure
    resp.set_cookie("session_id", "abc123", httponly=True)
    return resp


def tracking(request, visitor_id):
    response = HttpResponse("ok")
    # ruleid: python-cookie-without-secure
    response.set_signed_cookie("vid", visitor_id, secure=False, httponly=True)
    return response


def remember(token):
    response = Response("ok")
    # ruleid: python-cookie-without-secure
    response.set_cookie(key="remember", value=token, max_age=3600, httponly=True, secure=False)
    return response


@app.route("/login-safe", methods=["POST"])
def login_safe():
    resp = make_response("ok")
    # ok: python-cookie-without-secure
    resp.set_cookie("session_id", "abc123", secure=True, httponly=True, samesite="Lax")
    return resp


def remember_me_safe(request, token, settings):
    response = HttpResponse("ok")
    # ok: python-cookie-without-secure
    response.set_cookie("remember", token, httponly=True, secure=settings.SESSION_COOKIE_SECURE)
    return response


def theme(request):
    response = HttpResponse("ok")
    # Secure without HttpOnly is another weakness (python-cookie-without-httponly).
    # ok: python-cookie-without-secure
    response.set_cookie("theme", "dark", secure=True)
    return response


@app.route("/logout")
def logout():
    resp = make_response("bye")
    # ok: python-cookie-without-secure
    resp.delete_cookie("session_id")
    return resp


def copy_cookies(source_jar, target_jar):
    for cookie in source_jar:
        # ok: python-cookie-without-secure
        target_jar.set_cookie(cookie)


def forward(resp, **options):
    # ok: python-cookie-without-secure
    resp.set_cookie("x", "y", **options)


def splatted(resp, token):
    # ruleid: python-cookie-without-secure
    resp.set_cookie("sid", token, **{"httponly": True})


def splatted_off(resp, token):
    # ruleid: python-cookie-without-secure
    resp.set_cookie("sid", token, httponly=True, **{"secure": False})


def splatted_safe(resp, token):
    # ok: python-cookie-without-secure
    resp.set_cookie("sid", token, **{"secure": True, "httponly": True})
