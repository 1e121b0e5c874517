import os

from flask import Flask

# ruleid: python-insecure-cookie-settings
SESSION_COOKIE_SECURE = False

# ruleid: python-insecure-cookie-settings
CSRF_COOKIE_SECURE = False

# ok: python-insecure-cookie-settings
SESSION_COOKIE_HTTPONLY = True

# ok: python-insecure-cookie-settings
CSRF_COOKIE_SECURE = os.environ.get("HTTPS_ONLY", "1") == "1"

# ok: python-insecure-cookie-settings
CSRF_COOKIE_HTTPONLY = False

app = Flask(__name__)
# ruleid: python-insecure-cookie-settings
app.config["SESSION_COOKIE_HTTPONLY"] = False
# ruleid: python-insecure-cookie-settings
app.config.update(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_SAMESITE="Lax")
# ok: python-insecure-cookie-settings
app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
