import os

import psycopg2
import stripe

# ruleid: python-hardcoded-credential
SECRET_KEY = "django-insecure-7x!k2@q9v#h$3m8p^w0z&l5t*r1b6n4c"

# ruleid: python-hardcoded-credential
stripe.api_key = "sk_live_51H8fQ2KX9v3mZpL0aR7tYcW4"


def connect():
    # ruleid: python-hardcoded-credential
    return psycopg2.connect(host="db.internal", user="app", password="Pr0d-Passw0rd!")


DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        # ruleid: python-hardcoded-credential
        "PASSWORD": "s3cr3t-db-pass",
    }
}

# ok: python-hardcoded-credential
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# ok: python-hardcoded-credential
GITHUB_TOKEN = ""

# ok: python-hardcoded-credential
DB_PASSWORD = "changeme"

# ok: python-hardcoded-credential
API_KEY = "STRIPE_API_KEY"


def connect_safe():
    # ok: python-hardcoded-credential
    return psycopg2.connect(host="db.internal", user="app", password=os.environ["PGPASSWORD"])


# ok: python-hardcoded-credential
TOKEN_URL = "https://auth.example.com/oauth/token"

# ok: python-hardcoded-credential
password_field = "password"

# ok: python-hardcoded-credential
ACCESS_TOKEN = "access_token"
