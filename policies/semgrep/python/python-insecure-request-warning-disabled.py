import warnings

import requests
import urllib3
from requests.packages.urllib3.exceptions import InsecureRequestWarning as RequestsWarning
from urllib3.exceptions import InsecureRequestWarning, SNIMissingWarning


def quiet():
    # ruleid: python-insecure-request-warning-disabled
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def quiet_imported():
    # ruleid: python-insecure-request-warning-disabled
    urllib3.disable_warnings(InsecureRequestWarning)


def quiet_all():
    # ruleid: python-insecure-request-warning-disabled
    urllib3.disable_warnings()


def quiet_vendored():
    # ruleid: python-insecure-request-warning-disabled
    requests.packages.urllib3.disable_warnings(RequestsWarning)


def quiet_through_warnings():
    # ruleid: python-insecure-request-warning-disabled
    warnings.filterwarnings("ignore", category=InsecureRequestWarning)
    # ruleid: python-insecure-request-warning-disabled
    warnings.simplefilter("ignore", InsecureRequestWarning)


def quiet_by_message():
    # ruleid: python-insecure-request-warning-disabled
    warnings.filterwarnings("ignore", message="Unverified HTTPS request is being made")


def other_warning():
    # ok: python-insecure-request-warning-disabled
    urllib3.disable_warnings(SNIMissingWarning)
    # ok: python-insecure-request-warning-disabled
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def make_it_loud():
    # ok: python-insecure-request-warning-disabled
    warnings.simplefilter("error", InsecureRequestWarning)
