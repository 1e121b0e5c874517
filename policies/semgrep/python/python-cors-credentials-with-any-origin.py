from flask import Flask, request

app = Flask(__name__)
ALLOWED_ORIGINS = {"https://app.example.com", "https://admin.example.com"}


@app.after_request
def add_cors(response):
    # ruleid: python-cors-credentials-with-any-origin
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


def api_view(request):
    from django.http import JsonResponse

    response = JsonResponse({"ok": True})
    response["Access-Control-Allow-Credentials"] = "true"
    # ruleid: python-cors-credentials-with-any-origin
    response["Access-Control-Allow-Origin"] = "*"
    return response


@app.after_request
def add_cors_safe(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED_ORIGINS:
        # ok: python-cors-credentials-with-any-origin
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
    return response


def public_feed(request):
    from django.http import JsonResponse

    response = JsonResponse({"items": []})
    # ok: python-cors-credentials-with-any-origin
    response["Access-Control-Allow-Origin"] = "*"
    return response
