import json
import pickle
import shelve

import dill


def load_session(request):
    # ruleid: python-pickle-deserialization
    return pickle.loads(request.cookies["session"])


def load_model(path):
    with open(path, "rb") as fh:
        # ruleid: python-pickle-deserialization
        return dill.load(fh)


def open_cache(path):
    # ruleid: python-pickle-deserialization
    return shelve.open(path)


def load_session_safe(request):
    # ok: python-pickle-deserialization
    return json.loads(request.cookies["session"])


def save_model(model, path):
    with open(path, "wb") as fh:
        # ok: python-pickle-deserialization
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)


def snapshot(state):
    # ok: python-pickle-deserialization
    return pickle.dumps(state)


def load_estimator(path):
    import joblib

    # ruleid: python-pickle-deserialization
    return joblib.load(path)


def load_arrays(path):
    import numpy as np

    # ruleid: python-pickle-deserialization
    objects = np.load(path, allow_pickle=True)
    # ok: python-pickle-deserialization
    plain = np.load(path)
    return objects, plain

