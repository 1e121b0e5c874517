import ruamel.yaml
from ruamel.yaml import YAML


def read_config(path):
    # ruleid: python-ruamel-yaml-unsafe-load
    loader = YAML(typ="unsafe", pure=True)
    with open(path) as fh:
        return loader.load(fh)


def read_config_qualified(text):
    # ruleid: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.YAML(typ="unsafe").load(text)


def legacy(text):
    # ruleid: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.load(text)


def legacy_loader(text):
    # ruleid: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.load(text, Loader=ruamel.yaml.Loader)


def legacy_unsafe(text):
    # ruleid: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.unsafe_load(text)


def read_config_safe(path):
    # ok: python-ruamel-yaml-unsafe-load
    loader = YAML(typ="safe")
    with open(path) as fh:
        return loader.load(fh)


def round_trip(text):
    # ok: python-ruamel-yaml-unsafe-load
    return YAML().load(text)


def legacy_safe(text):
    # ok: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.load(text, Loader=ruamel.yaml.SafeLoader)


def legacy_round_trip(text):
    # ok: python-ruamel-yaml-unsafe-load
    return ruamel.yaml.load(text, ruamel.yaml.RoundTripLoader)
