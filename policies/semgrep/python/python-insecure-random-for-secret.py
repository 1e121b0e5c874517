import random
import secrets
import string
from random import choice

ALPHABET = string.ascii_letters + string.digits


def issue_reset(user):
    # ruleid: python-insecure-random-for-secret
    reset_token = "".join(random.choice(ALPHABET) for _ in range(32))
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


def pick_backoff(attempt):
    # ok: python-insecure-random-for-secret
    delay = random.uniform(0, 2**attempt)
    return delay


def sample_rows(rows):
    # ok: python-insecure-random-for-secret
    picked_key = random.choice(sorted(rows))
    return picked_key
