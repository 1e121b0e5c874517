import xml.dom.minidom
import xml.dom.pulldom
import xml.sax
from xml.sax.handler import feature_external_ges

import defusedxml.ElementTree
import lxml.etree
from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/minidom", methods=["POST"])
def minidom_external():
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    # ruleid: python-xxe-request
    doc = xml.dom.minidom.parseString(request.get_data(), parser)
    return doc.documentElement.tagName


@app.route("/sax", methods=["POST"])
def sax_external():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    parser.setContentHandler(xml.sax.ContentHandler())
    # ruleid: python-xxe-request
    parser.parse(request.files["doc"])
    return "ok"


@app.route("/pulldom", methods=["POST"])
def pulldom_external():
    body = request.form["xml"]
    parser = xml.sax.make_parser()
    parser.setFeature("http://xml.org/sax/features/external-general-entities", True)
    # ruleid: python-xxe-request
    events = xml.dom.pulldom.parseString(body, parser=parser)
    return str(next(events))


@app.route("/lxml-default-parser", methods=["POST"])
def lxml_parser_without_the_setting():
    # lxml before 5.0 resolves external entities unless told not to.
    parser = etree.XMLParser()
    # ruleid: python-xxe-request
    root = etree.fromstring(request.data, parser)
    return root.tag


@app.route("/lxml-resolve", methods=["POST"])
def lxml_resolve():
    # ruleid: python-xxe-request
    root = lxml.etree.fromstring(request.data, lxml.etree.XMLParser(resolve_entities=True))
    return root.tag


@app.route("/lxml-network", methods=["POST"])
def lxml_network():
    parser = etree.XMLParser(resolve_entities=False, no_network=False, load_dtd=True)
    # ruleid: python-xxe-request
    tree = etree.parse(request.files["doc"], parser=parser)
    return tree.getroot().tag


def django_upload(request):
    parser = lxml.etree.XMLParser(huge_tree=True)
    # ruleid: python-xxe-request
    return lxml.etree.XML(request.body, parser).tag


# ---- safe variants -------------------------------------------------------------------------


@app.route("/minidom-default", methods=["POST"])
def minidom_default():
    # The default SAX parser leaves external entities alone (Python 3.7.1+).
    parser = xml.sax.make_parser()
    # ok: python-xxe-request
    doc = xml.dom.minidom.parseString(request.get_data(), parser)
    return doc.documentElement.tagName


@app.route("/minidom-off", methods=["POST"])
def minidom_off():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, False)
    # ok: python-xxe-request
    doc = xml.dom.minidom.parseString(request.get_data(), parser)
    return doc.documentElement.tagName


@app.route("/lxml-hardened", methods=["POST"])
def lxml_hardened():
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: python-xxe-request
    root = etree.fromstring(request.data, parser)
    return root.tag


@app.route("/defused", methods=["POST"])
def defused():
    # ok: python-xxe-request
    return defusedxml.ElementTree.fromstring(request.data).tag


@app.route("/constant")
def constant_document():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    # A document the application wrote itself is not the request's.
    # ok: python-xxe-request
    doc = xml.dom.minidom.parseString("<config><debug>false</debug></config>", parser)
    return doc.documentElement.tagName


@app.route("/dead-branch", methods=["POST"])
def dead_branch():
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    limit = 106
    body = "<a/>" if 7 * 18 + limit > 200 else request.form["xml"]
    # ok: python-xxe-request
    doc = xml.dom.minidom.parseString(body, parser)
    return doc.documentElement.tagName
