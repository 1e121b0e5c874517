from flask import Flask
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
csrf = CSRFProtect(app)

# ruleid: python-flask-csrf-disabled
app.config["WTF_CSRF_ENABLED"] = False

# ok: python-flask-csrf-disabled
app.config["WTF_CSRF_ENABLED"] = True


@app.route("/transfer", methods=["POST"])
# ruleid: python-flask-csrf-disabled
@csrf.exempt
def transfer():
    return "ok"


# ok: python-flask-csrf-disabled
@app.route("/transfer-safe", methods=["POST"])
def transfer_safe():
    return "ok"


class Config:
    SECRET_KEY_FILE = "/run/secrets/flask"


class ProductionConfig(Config):
    # ruleid: python-flask-csrf-disabled
    WTF_CSRF_ENABLED = False


class TestingConfig(Config):
    TESTING = True
    # ok: python-flask-csrf-disabled
    WTF_CSRF_ENABLED = False
