import io
import xml.etree.ElementTree as ET

import elementpath
import lxml.etree
from flask import Flask, abort, request
from lxml import etree

app = Flask(__name__)
DATA = "/srv/data/employees.xml"


@app.route("/employee")
def employee():
    tree = etree.parse(DATA)
    emp = request.args["id"]
    # ruleid: python-xpath-injection-request
    nodes = tree.xpath(f"/Employees/Employee[@id='{emp}']")
    return str(len(nodes))


@app.route("/compiled")
def compiled():
    query = "//user[@name='" + request.form["name"] + "']"
    # ruleid: python-xpath-injection-request
    find = lxml.etree.XPath(query)
    return str(find(etree.parse(DATA)))


@app.route("/buffer")
def buffer():
    out = io.StringIO()
    out.write("//user[@name='")
    out.write(request.cookies.get("who", ""))
    out.write("']")
    # ruleid: python-xpath-injection-request
    return str(etree.parse(DATA).xpath(out.getvalue()))


@app.route("/elementtree")
def elementtree():
    root = ET.parse(DATA).getroot()
    dept = request.args.get("dept", "")
    # ruleid: python-xpath-injection-request
    return str(root.findall(f".//employee[@dept='{dept}']"))


@app.route("/elementpath")
def with_elementpath():
    root = ET.parse(DATA)
    # ruleid: python-xpath-injection-request
    return str(elementpath.select(root, "//employee[@id='%s']" % request.args["id"]))


def django_view(request):
    tree = lxml.etree.parse(DATA)
    # ruleid: python-xpath-injection-request
    return tree.xpath("//employee[name='{}']".format(request.GET["name"]))


@app.route("/wrong-quote")
def wrong_quote():
    # Removing "'" does not help a query quoted with '"'.
    tree = etree.parse(DATA)
    name = request.args["name"].replace("'", "")
    # todoruleid: python-xpath-injection-request
    return str(tree.xpath(f'//user[@name="{name}"]'))


# ---- safe variants -------------------------------------------------------------------------


@app.route("/employee-safe")
def employee_safe():
    tree = etree.parse(DATA)
    # ok: python-xpath-injection-request
    nodes = tree.xpath("/Employees/Employee[@id=$id]", id=request.args["id"])
    return str(len(nodes))


@app.route("/compiled-safe")
def compiled_safe():
    find = lxml.etree.XPath("//user[@name=$name]")
    # ok: python-xpath-injection-request
    return str(find(etree.parse(DATA), name=request.form["name"]))


@app.route("/quote-rejected")
def quote_rejected():
    emp = request.args["id"]
    if "'" in emp:
        abort(400)
    tree = etree.parse(DATA)
    # ok: python-xpath-injection-request
    return str(tree.xpath(f"/Employees/Employee[@id='{emp}']"))


@app.route("/quote-replaced")
def quote_replaced():
    emp = request.args["id"].replace("'", "&apos;")
    tree = etree.parse(DATA)
    # ok: python-xpath-injection-request
    return str(tree.xpath(f"/Employees/Employee[@id='{emp}']"))


@app.route("/number")
def number():
    tree = etree.parse(DATA)
    index = int(request.args["n"])
    # ok: python-xpath-injection-request
    return str(tree.xpath(f"/Employees/Employee[{index}]"))


@app.route("/text-search")
def text_search():
    # str.find() is not an XPath query.
    text = open(DATA).read()
    # ok: python-xpath-injection-request
    return str(text.find(request.args["needle"]))
