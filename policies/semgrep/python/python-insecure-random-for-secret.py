import base64
import random
import secrets
import string
import uuid
from random import choice

from flask import Flask, make_response, session

ALPHABET = string.ascii_letters + string.digits
app = Flask(__name__)
remembered_sessions = {}


def issue_reset(user):
    # ruleid: python-insecure-random-for-secret
    reset_token = "".join(random.choice(ALPHABET) for _ in range(32))
    # ruleid: python-insecure-random-for-secret
    user.reset_token = reset_token


def send_login_code(user, sms):
    # ruleid: python-insecure-random-for-secret
    otp = random.randint(100000, 999999)
    sms.send(user.phone, f"Your code is {otp}")


def generate_password(length=16):
    # ruleid: python-insecure-random-for-secret
    return "".join(choice(ALPHABET) for _ in range(length))


class Session:
    def __init__(self):
        # ruleid: python-insecure-random-for-secret
        self.session_id = "%032x" % random.getrandbits(128)


@app.route("/remember")
def remember():
    value = str(random.random())[2:]
    # ruleid: python-insecure-random-for-secret
    remembered_sessions["rememberMe"] = value
    return "ok"


@app.route("/csrf")
def csrf():
    value = base64.b64encode(random.randbytes(32)).decode()
    # ruleid: python-insecure-random-for-secret
    session["csrf"] = value
    return "ok"


@app.route("/visitor")
def visitor():
    visitor = str(random.normalvariate(0, 1))[2:]
    resp = make_response("ok")
    # ruleid: python-insecure-random-for-secret
    resp.set_cookie("visitor", visitor, secure=True, httponly=True)
    return resp


def invite_link(invite):
    # ruleid: python-insecure-random-for-secret
    invite["token"] = uuid.uuid1().hex


def shuffled_password(user):
    chars = list(ALPHABET)
    random.shuffle(chars)
    # ruleid: python-insecure-random-for-secret
    user.set_password(password="".join(chars))


def seeded_api_key(seed):
    rng = random.Random(seed)
    # ruleid: python-insecure-random-for-secret
    api_key = "%x" % rng.getrandbits(128)
    return api_key


def issue_reset_safe(user):
    # ok: python-insecure-random-for-secret
    reset_token = secrets.token_urlsafe(32)
    user.reset_token = reset_token


def send_login_code_safe(user, sms):
    # ok: python-insecure-random-for-secret
    otp = secrets.randbelow(900000) + 100000
    sms.send(user.phone, f"Your code is {otp}")


def generate_password_safe(length=16):
    # ok: python-insecure-random-for-secret
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


@app.route("/remember-safe")
def remember_safe():
    value = str(random.SystemRandom().random())[2:]
    # ok: python-insecure-random-for-secret
    remembered_sessions["rememberMe"] = value
    return "ok"


@app.route("/csrf-safe")
def csrf_safe():
    # ok: python-insecure-random-for-secret
    session["csrf"] = secrets.token_hex(32)
    return "ok"


def invite_link_safe(invite):
    # ok: python-insecure-random-for-secret
    invite["token"] = uuid.uuid4().hex


def pick_backoff(attempt):
    # ok: python-insecure-random-for-secret
    delay = random.uniform(0, 2**attempt)
    return delay


def sample_rows(rows):
    # ok: python-insecure-random-for-secret
    picked_key = random.choice(sorted(rows))
    return picked_key


@app.route("/variant")
def variant():
    # An A/B bucket is not a secret.
    # ok: python-insecure-random-for-secret
    bucket = random.choice(["a", "b"])
    return render_variant(bucket)


def aliased(user):
    import random as secrets

    # ruleid: python-insecure-random-for-secret
    user.api_token = secrets.choice(ALPHABET)


# --- issue 13 red team: the draw made in a helper of the same module ---
import string as _string


def new_early_reset_token():
    # ruleid: python-insecure-random-for-secret
    return _rand_letters(32)


def _rand_letters(n):
    return "".join(random.choice(_string.ascii_letters) for _ in range(n))


def new_reset_token():
    # ruleid: python-insecure-random-for-secret
    return _rand_letters(32)


def _pick_colour():
    return random.choice(["red", "green"])


def theme_for(user):
    # ok: python-insecure-random-for-secret
    colour = _pick_colour()
    return colour
