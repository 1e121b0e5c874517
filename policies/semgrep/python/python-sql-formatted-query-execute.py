import sqlite3
import sys

import pandas as pd
import psycopg2
import requests
import sqlalchemy as sa
from django.db import connection
from django.db.models.expressions import RawSQL
from fastapi import FastAPI
from flask import Flask, request
from flask import request as req
from psycopg2 import sql
from sqlalchemy import select, text

from shop.models import Product, User

app = Flask(__name__)
api = FastAPI()


# --- a function's caller: reported where the SQL text is built by formatting ---


def find_user(conn: sqlite3.Connection, username: str):
    cur = conn.cursor()
    # ruleid: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = '%s'" % username)
    return cur.fetchone()


def find_by_email(cur, email):
    # ruleid: python-sql-formatted-query-execute
    cur.execute(f"SELECT id FROM users WHERE email = '{email}'")
    return cur.fetchall()


def delete_rows(conn, table, ids):
    # ruleid: python-sql-formatted-query-execute
    conn.executemany("DELETE FROM {} WHERE id = ?".format(table), [(i,) for i in ids])


def search(cur, term):
    # ruleid: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM items WHERE title LIKE '%" + term + "%'")


def by_order(cur, column):
    query = "SELECT * FROM items ORDER BY " + column
    # ruleid: python-sql-formatted-query-execute
    cur.execute(query)


def migrate(conn, schema):
    script = f"CREATE TABLE {schema}.log (id integer);"
    # ruleid: python-sql-formatted-query-execute
    conn.executescript(script)


def products_cheaper_than(limit):
    # ruleid: python-sql-formatted-query-execute
    return Product.objects.extra(where=[f"price < {limit}"])


def annotate_score(qs, weight):
    # ruleid: python-sql-formatted-query-execute
    return qs.annotate(score=RawSQL("rating * " + weight, []))


def get_invoices(engine, status):
    with engine.connect() as conn:
        # ruleid: python-sql-formatted-query-execute
        return conn.execute(sa.text("SELECT * FROM invoices WHERE status = '%s'" % status)).all()


def sorted_products(session, column):
    # ruleid: python-sql-formatted-query-execute
    return session.execute(text("SELECT * FROM products ORDER BY " + column)).all()


def by_template(cur, template, name):
    # ruleid: python-sql-formatted-query-execute
    cur.execute(template % name)


def joined(cur, name):
    query = "".join(["SELECT * FROM users WHERE name = '", name, "'"])
    # ruleid: python-sql-formatted-query-execute
    cur.execute(query)


def filtered(cur, name, city):
    clauses = []
    clauses.append(f"name = '{name}'")
    clauses.append(f"city = '{city}'")
    # ruleid: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE " + " AND ".join(clauses))


def page(cur, size: int):
    # An annotation is not a conversion: only a route handler's converted parameters are trusted.
    # ruleid: python-sql-formatted-query-execute
    cur.execute(f"SELECT * FROM items LIMIT {size}")


def find_user_safe(conn: sqlite3.Connection, username: str):
    cur = conn.cursor()
    # ok: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = ?", (username,))
    return cur.fetchone()


def find_by_email_safe(email):
    conn = psycopg2.connect("dbname=app")
    with conn.cursor() as cur:
        # ok: python-sql-formatted-query-execute
        cur.execute("SELECT id FROM users WHERE email = %(email)s", {"email": email})
        return cur.fetchall()


def by_ids(cur, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    # ok: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM items WHERE id IN (%s)" % ", ".join(["%s"] * len(ids)), ids)
    # ok: python-sql-formatted-query-execute
    cur.execute(f"DELETE FROM items WHERE id IN ({placeholders})", ids)


TABLE = "audit_log"


def count(cur):
    # ok: python-sql-formatted-query-execute
    cur.execute(f"SELECT count(*) FROM {TABLE}")


class Database:
    def run(self, statement, params=()):
        # ok: python-sql-formatted-query-execute
        return self.cursor.execute(statement, params)


def products_cheaper_than_safe(limit):
    # ok: python-sql-formatted-query-execute
    return Product.objects.extra(where=["price < %s"], params=[limit])


def annotate_score_safe(qs, weight):
    # ok: python-sql-formatted-query-execute
    return qs.annotate(score=RawSQL("rating * %s", [weight]))


def get_invoices_safe(engine, status):
    with engine.connect() as conn:
        # ok: python-sql-formatted-query-execute
        stmt = sa.text("SELECT * FROM invoices WHERE status = :status").bindparams(status=status)
        return conn.execute(stmt).all()


def by_table(cur, table, owner):
    query = sql.SQL("SELECT * FROM {} WHERE owner = %s").format(sql.Identifier(table))
    # ok: python-sql-formatted-query-execute
    cur.execute(query, (owner,))


# --- data an attacker sends: reported however it reaches the SQL text ---


@app.route("/users")
def flask_users():
    name = request.args.get("name", "")
    cur = sqlite3.connect("app.db").cursor()
    # ruleid: python-sql-formatted-query-execute
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ok: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: python-sql-formatted-query-execute
    cur.execute(f"SELECT * FROM users WHERE id = {int(name)}")


@app.route("/raw")
def flask_raw_query():
    # ruleid: python-sql-formatted-query-execute
    connection.cursor().execute(req.get_json()["sql"])


@app.route("/token")
def flask_token():
    token = request.headers.get("Authorization", "")[7:]
    # ruleid: python-sql-formatted-query-execute
    connection.cursor().execute("SELECT * FROM tokens WHERE value = '" + token + "'")


@app.route("/built")
def flask_built_then_sliced():
    text_value = "prefix" + request.form["q"] + "suffix"
    value = text_value[6:-6]
    # ruleid: python-sql-formatted-query-execute
    connection.cursor().execute("SELECT * FROM t WHERE v = '%s'" % value)


@app.route("/sort")
def flask_sort():
    column = request.args.get("sort", "name")
    if column not in ("name", "created"):
        return "bad column", 400
    # ok: python-sql-formatted-query-execute
    connection.cursor().execute(f"SELECT * FROM items ORDER BY {column}")


@app.route("/lookup")
def flask_lookup():
    fields = {}
    fields["table"] = "items"
    fields["filter"] = request.args.get("filter")
    table = fields["table"]
    # ok: python-sql-formatted-query-execute
    connection.cursor().execute(f"SELECT * FROM {table}")
    where = fields["filter"]
    # ruleid: python-sql-formatted-query-execute
    connection.cursor().execute(f"SELECT * FROM items WHERE {where}")


@app.route("/overwritten")
def flask_overwritten():
    value = request.args.get("v")
    value = "constant"
    # ok: python-sql-formatted-query-execute
    connection.cursor().execute(f"SELECT * FROM t WHERE v = '{value}'")


@app.route("/report")
def flask_report():
    # ruleid: python-sql-formatted-query-execute
    return pd.read_sql("SELECT * FROM sales WHERE region = '%s'" % request.values["region"], connection)


@app.route("/orm")
def flask_orm(session):
    name = request.args["name"]
    stmt = select(User).where(User.name == name)
    # ok: python-sql-formatted-query-execute
    return session.execute(stmt).all()


@app.route("/driver")
def flask_driver(engine):
    with engine.connect() as conn:
        # ruleid: python-sql-formatted-query-execute
        conn.exec_driver_sql("DELETE FROM t WHERE id = " + request.form["id"])


def django_products(request):
    category = request.GET.get("category", "")
    # ruleid: python-sql-formatted-query-execute
    return Product.objects.raw("SELECT * FROM shop_product WHERE category = '%s'" % category)


def django_products_safe(request):
    category = request.GET.get("category", "")
    # ok: python-sql-formatted-query-execute
    return Product.objects.raw("SELECT * FROM shop_product WHERE category = %s", [category])


def django_login(request):
    name = request.POST.get("name")
    sql_query = "SELECT * FROM app_login WHERE user = '" + name + "'"
    # ruleid: python-sql-formatted-query-execute
    return list(Product.objects.raw(sql_query))


def django_login_safe(request):
    name = request.POST.get("name")
    sql_query = "SELECT * FROM app_login WHERE user = %s"
    # ok: python-sql-formatted-query-execute
    return list(Product.objects.raw(sql_query, [name]))


def django_orm(request):
    # ok: python-sql-formatted-query-execute
    return Product.objects.filter(name=request.GET["name"]).extra(where=["price > 0"])


@api.get("/items/{name}")
def fastapi_item(name: str, limit: int, session=None):
    # ruleid: python-sql-formatted-query-execute
    rows = session.execute(text(f"SELECT * FROM items WHERE name = '{name}'"))
    # ok: python-sql-formatted-query-execute
    session.execute(text(f"SELECT * FROM items LIMIT {limit}"))
    return rows


def remote_names(cur):
    data = requests.get("https://example.com/names").json()
    # ruleid: python-sql-formatted-query-execute
    cur.execute("INSERT INTO names VALUES ('%s')" % data["name"])


def main():
    cur = sqlite3.connect("app.db").cursor()
    # ruleid: python-sql-formatted-query-execute
    cur.execute("SELECT * FROM users WHERE name = '" + sys.argv[1] + "'")


# --- issue 13 red team ---
import asyncpg
from fastapi import FastAPI, Request

api = FastAPI()
SORTS = {"name": "name ASC", "age": "age DESC"}


@api.get("/items")
async def asyncpg_fetch(request: Request):
    conn = await asyncpg.connect()
    name = request.query_params["name"]
    # ruleid: python-sql-formatted-query-execute
    rows = await conn.fetch(f"SELECT * FROM items WHERE name = '{name}'")
    # ruleid: python-sql-formatted-query-execute
    row = await conn.fetchrow("SELECT * FROM items WHERE name = '" + name + "'")
    # ok: python-sql-formatted-query-execute
    rows = await conn.fetch("SELECT * FROM items WHERE name = $1", name)
    return rows, row


@app.route("/typed-page")
def page_converted_by_werkzeug():
    page = request.args.get("page", 1, type=int)
    # ok: python-sql-formatted-query-execute
    cursor.execute(f"SELECT * FROM u LIMIT 20 OFFSET {(page - 1) * 20}")
    size = request.args.get("size", "20")
    # ruleid: python-sql-formatted-query-execute
    cursor.execute(f"SELECT * FROM u LIMIT {size}")


@app.route("/sorted")
def order_from_a_constant_table():
    order = SORTS.get(request.args.get("sort"), "id")
    # ok: python-sql-formatted-query-execute
    cursor.execute(f"SELECT * FROM u ORDER BY {order}")
    picked = SORTS.get("name", request.args.get("sort"))
    # ruleid: python-sql-formatted-query-execute
    cursor.execute(f"SELECT * FROM u ORDER BY {picked}")
