import html
import os

import flask
import markupsafe
from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from fastapi import FastAPI, Query
from fastapi.responses import HTMLResponse as FastHTMLResponse
from flask import (
    Flask,
    Response,
    jsonify,
    make_response,
    render_template,
    render_template_string,
    request,
)
from flask.views import MethodView
from markupsafe import Markup
from starlette.responses import HTMLResponse

app = Flask(__name__)
api = FastAPI()


def escape_html(text):
    return html.escape(text, quote=True)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: python-xss-request-data-in-html-response
    return f"<h1>Hello {name}</h1>"


@app.route("/search", methods=["POST"])
def search():
    query = request.form["q"]
    page = "<p>You searched for: " + query + "</p>"
    resp = make_response(page)
    # ruleid: python-xss-request-data-in-html-response
    return resp


@app.post("/comment")
def comment():
    body = request.get_json()["body"]
    # ruleid: python-xss-request-data-in-html-response
    return "<div>{}</div>".format(body), 201


@app.route("/list")
def listing():
    parts = ["<ul>"]
    for tag in request.args.getlist("tag"):
        parts.append("<li>%s</li>" % tag)
    parts.append("</ul>")
    # ruleid: python-xss-request-data-in-html-response
    return "".join(parts)


@app.errorhandler(404)
def not_found(error):
    # ruleid: python-xss-request-data-in-html-response
    return f"<p>{flask.request.path} was not found</p>", 404


class FormReader:
    def __init__(self, req):
        self.req = req

    def field(self, name):
        return self.req.form.get(name)


@app.route("/wrapped", methods=["POST"])
def wrapped():
    reader = FormReader(request)
    title = reader.field("title")
    # ruleid: python-xss-request-data-in-html-response
    return "<title>" + title + "</title>"


@app.route("/referer")
def referer():
    ref = request.headers.get("Referer", "")
    # ruleid: python-xss-request-data-in-html-response
    return Markup("<a href='%s'>back</a>" % ref)


def django_view(request):
    q = request.GET.get("q", "")
    # ruleid: python-xss-request-data-in-html-response
    return HttpResponse("<p>Results for " + q + "</p>")


def django_badge(request):
    label = request.POST["label"]
    # ruleid: python-xss-request-data-in-html-response
    return mark_safe("<span class='badge'>%s</span>" % label)


async def starlette_page(request):
    q = request.query_params["q"]
    # ruleid: python-xss-request-data-in-html-response
    return HTMLResponse(f"<h2>{q}</h2>")


@app.route("/card")
def card():
    fields = {}
    fields["title"] = "Profile"
    fields["bio"] = request.form.get("bio", "")
    fields["footer"] = "-"
    # ruleid: python-xss-request-data-in-html-response
    return "<h2>{0[title]}</h2><p>{0[bio]}</p>".format(fields)


@app.route("/hello-safe")
def hello_safe():
    name = request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return f"<h1>Hello {html.escape(name)}</h1>"


@app.route("/hello-markupsafe")
def hello_markupsafe():
    name = markupsafe.escape(request.args.get("name", ""))
    # ok: python-xss-request-data-in-html-response
    return f"<h1>Hello {name}</h1>"


@app.route("/hello-helper")
def hello_helper():
    name = escape_html(request.args.get("name", ""))
    # ok: python-xss-request-data-in-html-response
    return "<h1>Hello " + name + "</h1>"


@app.route("/template")
def template():
    name = request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return render_template("hello.html", name=name)


@app.route("/header-only")
def header_only():
    name = request.args.get("name", "")
    resp = make_response(("Your name is in a header.", {"X-Name": name}))
    # ok: python-xss-request-data-in-html-response
    return resp


@app.route("/header-tuple")
def header_tuple():
    name = request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return "Your name is in a header.", 200, {"X-Name": name}


@app.route("/api/echo")
def api_echo():
    name = request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return jsonify(name=name)


@app.route("/api/echo-dict")
def api_echo_dict():
    name = request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return {"name": name}


@app.route("/plain")
def plain():
    name = request.args.get("name", "")
    resp = Response(f"Hello {name}", mimetype="text/plain")
    # ok: python-xss-request-data-in-html-response
    return resp


@app.route("/overwritten")
def overwritten():
    name = request.args.get("name", "")
    name = "guest"
    # ok: python-xss-request-data-in-html-response
    return f"<h1>Hello {name}</h1>"


@app.route("/count")
def count():
    n = int(request.args.get("n", "0"))
    # ok: python-xss-request-data-in-html-response
    return f"<p>{n} items</p>"


@app.route("/card-title")
def card_title():
    fields = {}
    fields["title"] = "Profile"
    fields["bio"] = request.form.get("bio", "")
    # ok: python-xss-request-data-in-html-response
    return "<h2>" + fields["title"] + "</h2>"


@app.route("/dead-branch")
def dead_branch():
    limit = 106
    name = "guest" if 7 * 18 + limit > 200 else request.args.get("name", "")
    # ok: python-xss-request-data-in-html-response
    return f"<h1>Hello {name}</h1>"


def django_view_safe(request):
    q = request.GET.get("q", "")
    # ok: python-xss-request-data-in-html-response
    return HttpResponse(format_html("<p>Results for {}</p>", q))


def django_plain(request):
    q = request.GET.get("q", "")
    # ok: python-xss-request-data-in-html-response
    return HttpResponse("Results for " + q, content_type="text/plain")


def not_a_view():
    # ok: python-xss-request-data-in-html-response
    return request.args.get("next", "/")


@app.route("/page-number")
def page_number():
    page = request.args.get("page", 1, type=int)
    # ok: python-xss-request-data-in-html-response
    return f"<p>Page {page}</p>"


@app.route("/user")
def user_card():
    row = get_db().execute("SELECT name FROM user WHERE id = ?", (request.args["id"],)).fetchone()
    # Stored data, not the request's: another rule's business.
    # ok: python-xss-request-data-in-html-response
    return f"<p>{row['name']}</p>"


def login_required(view):
    return view


@app.route("/stacked")
@login_required
def stacked():
    # ruleid: python-xss-request-data-in-html-response
    return "<p>" + request.args["x"] + "</p>"


class ItemView(MethodView):
    def get(self):
        # ruleid: python-xss-request-data-in-html-response
        return "<p>" + request.args["item"] + "</p>"


def registered_view():
    # ruleid: python-xss-request-data-in-html-response
    return "<p>" + request.args["x"] + "</p>"


app.add_url_rule("/registered", view_func=registered_view)


@app.route("/html-charset")
def html_charset():
    body = "<p>" + request.values.get("x", "") + "</p>"
    # ruleid: python-xss-request-data-in-html-response
    return Response(body, content_type="text/html; charset=utf-8")


def django_declared_html(request):
    q = request.GET.get("q", "")
    # ruleid: python-xss-request-data-in-html-response
    return HttpResponse(content="<p>" + q + "</p>", content_type="text/html")


@app.route("/hello/<name>")
def hello_name(name):
    # ruleid: python-xss-request-data-in-html-response
    return f"Hello {name}!"


@app.get("/item/<int:item_id>")
def item(item_id):
    # ok: python-xss-request-data-in-html-response
    return f"<p>Item {item_id}</p>"


@api.get("/search", response_class=FastHTMLResponse)
async def fastapi_search(q: str = Query("")):
    # ruleid: python-xss-request-data-in-html-response
    return f"<h2>Results for {q}</h2>"


@api.get("/echo")
async def fastapi_echo(q: str = Query("")):
    # FastAPI answers in JSON unless told otherwise.
    # ok: python-xss-request-data-in-html-response
    return f"<h2>Results for {q}</h2>"


@app.route("/debug")
def debug():
    resp = make_response("".join(f"{k}: {v}\n" for k, v in request.headers.items()))
    resp.mimetype = "text/plain"
    # ok: python-xss-request-data-in-html-response
    return resp


@app.route("/retyped")
def retyped():
    resp = make_response("<p>" + request.args["x"] + "</p>")
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    # ruleid: python-xss-request-data-in-html-response
    return resp


@app.route("/plugin/<plugin>")
def plugin_page(plugin):
    with open(os.path.join("plugins", secure_name(plugin), "page.html")) as fh:
        page = fh.read()
    # ok: python-xss-request-data-in-html-response
    return page


@app.route("/greet-template")
def greet_template():
    # ok: python-xss-request-data-in-html-response
    return render_template_string("<h1>Hello {{ name }}</h1>", name=request.args.get("name", ""))


@app.route("/greet-safe-filter")
def greet_safe_filter():
    name = request.args.get("name", "")
    # ruleid: python-xss-request-data-in-html-response
    return render_template_string("<h1>Hello {{ name|safe }}</h1>", name=name)


# --- issue 13 red team: plain FastAPI parameters in an HTML response built by hand ---
from fastapi import FastAPI as _FastAPI
from fastapi.responses import HTMLResponse as _HTMLResponse

api13 = _FastAPI()


@api13.get("/hello13")
def hello_query_param(name: str = ""):
    # ruleid: python-xss-request-data-in-html-response
    return _HTMLResponse(f"<p>Hello {name}</p>")


@api13.get("/hello13/{who}")
async def hello_path_param(who: str, count: int = 1):
    # ruleid: python-xss-request-data-in-html-response
    page = _HTMLResponse(content="<p>" + who + "</p>")
    # ok: python-xss-request-data-in-html-response
    other = _HTMLResponse(f"<p>{count}</p>")
    return page, other


@app.route("/plain-tuple")
def plain_text_declared_in_the_tuple():
    # ok: python-xss-request-data-in-html-response
    return request.args.get("name", ""), 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/html-tuple")
def html_declared_in_the_tuple():
    # ruleid: python-xss-request-data-in-html-response
    return request.args.get("name", ""), 200, {"Content-Type": "text/html"}


@app.route("/set-data")
def body_set_afterwards():
    resp = flask.make_response()
    resp.set_data("<p>" + request.args["name"] + "</p>")
    # ruleid: python-xss-request-data-in-html-response
    return resp
