import jwt


def issue(claims):
    # ruleid: python-jwt-none-algorithm
    return jwt.encode(claims, None, algorithm="none")


def verify(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms=["HS256", "none"])


def verify_any(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms="None")


def issue_safe(claims, private_key):
    # ok: python-jwt-none-algorithm
    return jwt.encode(claims, private_key, algorithm="RS256")


def verify_safe(token, key):
    # ok: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms=["HS256"])
