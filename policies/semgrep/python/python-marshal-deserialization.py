import json
import marshal


def load_blob(conn):
    data = conn.recv(65536)
    # ruleid: python-marshal-deserialization
    return marshal.loads(data)


def load_code(path):
    with open(path, "rb") as fh:
        fh.read(16)
        # ruleid: python-marshal-deserialization
        return marshal.load(fh)


def load_blob_safe(conn):
    data = conn.recv(65536)
    # ok: python-marshal-deserialization
    return json.loads(data)


def dump_code(code, path):
    with open(path, "wb") as fh:
        # ok: python-marshal-deserialization
        marshal.dump(code, fh)
