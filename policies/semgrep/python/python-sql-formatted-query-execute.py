import sqlite3

import psycopg2


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
