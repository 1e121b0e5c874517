import os
from pathlib import Path

import environ

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent

# ruleid: python-django-debug-true
DEBUG = True

# ruleid: python-django-debug-true
DEBUG = env.bool("DJANGO_DEBUG", default=True)

# ok: python-django-debug-true
DEBUG = False

# ok: python-django-debug-true
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"

ALLOWED_HOSTS = ["app.example.com"]


class DevelopmentConfig:
    # ok: python-django-debug-true
    DEBUG = True
