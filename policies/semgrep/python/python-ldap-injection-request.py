import re

import ldap
import ldap.filter
import ldap3
from flask import Flask, request
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)
BASE_DN = "ou=users,dc=example,dc=com"


def connection() -> ldap3.Connection:
    return ldap3.Connection(ldap3.Server("ldap://ldap.internal"), auto_bind=True)


@app.route("/user")
def find_user():
    conn = connection()
    uid = request.args["uid"]
    # ruleid: python-ldap-injection-request
    conn.search(BASE_DN, f"(&(objectClass=person)(uid={uid}))", attributes=["cn"])
    return str(conn.entries)


@app.route("/login", methods=["POST"])
def login():
    conn = connection()
    search = "(&(uid=" + request.form["user"] + ")(userPassword=" + request.form["pw"] + "))"
    # ruleid: python-ldap-injection-request
    conn.search(search_base=BASE_DN, search_filter=search)
    return "ok" if conn.entries else "no"


@app.route("/group")
def group_base():
    conn = connection()
    # A DN built from the request changes where the search looks.
    # ruleid: python-ldap-injection-request
    conn.search(f"ou={request.args['ou']},dc=example,dc=com", "(objectClass=person)")
    return str(conn.entries)


def python_ldap_view(request):
    client = ldap.initialize("ldap://ldap.internal")
    name = request.GET.get("name", "")
    # ruleid: python-ldap-injection-request
    return client.search_s(BASE_DN, ldap.SCOPE_SUBTREE, "(cn=%s)" % name)


def python_ldap_async(request):
    client = ldap.initialize("ldap://ldap.internal")
    query = "(mail=" + request.POST["mail"] + ")"
    # ruleid: python-ldap-injection-request
    return client.search(BASE_DN, ldap.SCOPE_SUBTREE, query)


@app.route("/filterstr")
def filterstr():
    client = ldap.initialize("ldap://ldap.internal")
    # ruleid: python-ldap-injection-request
    return client.search_ext_s(BASE_DN, ldap.SCOPE_SUBTREE, filterstr=f"(uid={request.args['u']})")


# ---- safe variants -------------------------------------------------------------------------


@app.route("/user-safe")
def find_user_safe():
    conn = connection()
    uid = escape_filter_chars(request.args["uid"])
    # ok: python-ldap-injection-request
    conn.search(BASE_DN, f"(&(objectClass=person)(uid={uid}))", attributes=["cn"])
    return str(conn.entries)


def python_ldap_safe(request):
    client = ldap.initialize("ldap://ldap.internal")
    query = ldap.filter.filter_format("(cn=%s)", [request.GET.get("name", "")])
    # ok: python-ldap-injection-request
    return client.search_s(BASE_DN, ldap.SCOPE_SUBTREE, query)


def python_ldap_escaped(request):
    client = ldap.initialize("ldap://ldap.internal")
    name = ldap.filter.escape_filter_chars(request.GET.get("name", ""))
    # ok: python-ldap-injection-request
    return client.search_s(BASE_DN, ldap.SCOPE_SUBTREE, f"(cn={name})")


@app.route("/employee")
def employee_number():
    conn = connection()
    number = int(request.args["n"])
    # ok: python-ldap-injection-request
    conn.search(BASE_DN, f"(employeeNumber={number})")
    return str(conn.entries)


@app.route("/grep")
def grep():
    # re.search(pattern, string) is not an LDAP search.
    # ok: python-ldap-injection-request
    found = re.search(r"\d+", request.args["text"])
    return found.group(0) if found else ""


@app.route("/dead-branch")
def dead_branch():
    conn = connection()
    limit = 106
    uid = "guest" if 7 * 18 + limit > 200 else request.args["uid"]
    # ok: python-ldap-injection-request
    conn.search(BASE_DN, f"(uid={uid})")
    return str(conn.entries)
