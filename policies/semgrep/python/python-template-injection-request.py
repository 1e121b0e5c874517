import jinja2
from django.template import Context, Template
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)
env = jinja2.Environment(autoescape=True)


@app.route("/greet")
def greet():
    name = request.args.get("name", "")
    # ruleid: python-template-injection-request
    return render_template_string("<h1>Hello " + name + "</h1>")


@app.route("/preview", methods=["POST"])
def preview():
    body = request.form["template"]
    # ruleid: python-template-injection-request
    return jinja2.Template(body).render(user="guest")


@app.route("/email", methods=["POST"])
def email():
    subject = request.get_json()["subject"]
    # ruleid: python-template-injection-request
    template = env.from_string(f"Subject: {subject}")
    return template.render()


def django_preview(request):
    # ruleid: python-template-injection-request
    template = Template(request.POST["body"])
    return template.render(Context({}))


@app.route("/greet-safe")
def greet_safe():
    name = request.args.get("name", "")
    # ok: python-template-injection-request
    return render_template_string("<h1>Hello {{ name }}</h1>", name=name)


@app.route("/preview-safe", methods=["POST"])
def preview_safe():
    # ok: python-template-injection-request
    return jinja2.Template("{{ body }}").render(body=request.form["template"])


@app.route("/page")
def page():
    # ok: python-template-injection-request
    return render_template("page.html", q=request.args.get("q"))


@app.route("/count")
def count():
    n = int(request.args.get("n", "1"))
    # ok: python-template-injection-request
    return render_template_string("{{ n }} items" + "!" * n, n=n)


@app.route("/keyword")
def keyword():
    # ruleid: python-template-injection-request
    return jinja2.Template(source=request.args["t"]).render()


@app.route("/hello/<name>")
def hello_name(name):
    # ruleid: python-template-injection-request
    return render_template_string(f"<h1>Hello {name}!</h1>")
