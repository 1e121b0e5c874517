import yaml
from yaml import CSafeLoader, SafeLoader


def read_config(path):
    with open(path) as fh:
        # ruleid: python-yaml-unsafe-load
        return yaml.load(fh, Loader=yaml.Loader)


def parse_manifest(text):
    # ruleid: python-yaml-unsafe-load
    return yaml.load(text)


def parse_payload(body):
    # ruleid: python-yaml-unsafe-load
    return yaml.unsafe_load(body)


def parse_all(text):
    # ruleid: python-yaml-unsafe-load
    return list(yaml.load_all(text, Loader=yaml.FullLoader))


def parse_full(text):
    # ruleid: python-yaml-unsafe-load
    return yaml.full_load(text)


def read_config_safe(path):
    with open(path) as fh:
        # ok: python-yaml-unsafe-load
        return yaml.load(fh, Loader=yaml.SafeLoader)


def parse_manifest_safe(text):
    # ok: python-yaml-unsafe-load
    return yaml.safe_load(text)


def parse_fast(text):
    # ok: python-yaml-unsafe-load
    return yaml.load(text, Loader=CSafeLoader)


def parse_positional(text):
    # ok: python-yaml-unsafe-load
    return yaml.load(text, SafeLoader)


def round_trip(text):
    from ruamel.yaml import YAML

    yaml = YAML()
    # ok: python-yaml-unsafe-load
    return yaml.load(text)
