import os

INSTALLED_APPS = ["django.contrib.contenttypes", "corsheaders"]

# ruleid: python-django-cors-allow-all-origins
CORS_ALLOW_ALL_ORIGINS = True

# ruleid: python-django-cors-allow-all-origins
CORS_ORIGIN_ALLOW_ALL = True

# ruleid: python-django-cors-allow-all-origins
CORS_ALLOWED_ORIGIN_REGEXES = [r".*"]

# ok: python-django-cors-allow-all-origins
CORS_ALLOW_ALL_ORIGINS = False

# ok: python-django-cors-allow-all-origins
CORS_ALLOWED_ORIGINS = ["https://app.example.com", "https://admin.example.com"]

# ok: python-django-cors-allow-all-origins
CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com$"]

CORS_ALLOW_CREDENTIALS = os.environ.get("CORS_CREDENTIALS") == "1"
