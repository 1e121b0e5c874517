from sqlalchemy import text
import sqlalchemy as sa


def get_orders(session, customer):
    # ruleid: python-sqlalchemy-text-formatted-sql
    stmt = text(f"SELECT * FROM orders WHERE customer = '{customer}'")
    return session.execute(stmt).all()


def get_invoices(engine, status):
    with engine.connect() as conn:
        # ruleid: python-sqlalchemy-text-formatted-sql
        return conn.execute(sa.text("SELECT * FROM invoices WHERE status = '%s'" % status)).all()


def sorted_products(session, column):
    # ruleid: python-sqlalchemy-text-formatted-sql
    return session.execute(text("SELECT * FROM products ORDER BY " + column)).all()


def get_orders_safe(session, customer):
    # ok: python-sqlalchemy-text-formatted-sql
    stmt = text("SELECT * FROM orders WHERE customer = :customer")
    return session.execute(stmt, {"customer": customer}).all()


def get_invoices_safe(engine, status):
    with engine.connect() as conn:
        # ok: python-sqlalchemy-text-formatted-sql
        stmt = sa.text("SELECT * FROM invoices WHERE status = :status").bindparams(status=status)
        return conn.execute(stmt).all()


SCHEMA = "reporting"


def refresh(session):
    # ok: python-sqlalchemy-text-formatted-sql
    session.execute(text(f"REFRESH MATERIALIZED VIEW {SCHEMA}.daily"))


def search(session, term):
    query = "SELECT * FROM customers WHERE username = '%s'" % term
    # ruleid: python-sqlalchemy-text-formatted-sql
    return session.execute(text(query)).all()
