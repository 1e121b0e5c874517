import torch
from torch import load as torch_load

UNSAFE = False


def restore(path):
    # ruleid: python-torch-load-unsafe
    return torch.load(path)


def restore_on_cpu(path):
    # ruleid: python-torch-load-unsafe
    return torch.load(path, map_location="cpu")


def restore_full(path):
    # ruleid: python-torch-load-unsafe
    return torch.load(path, map_location="cpu", weights_only=False)


def restore_through_constant(path):
    # ruleid: python-torch-load-unsafe
    return torch.load(path, weights_only=UNSAFE)


def restore_imported(path):
    # ruleid: python-torch-load-unsafe
    return torch_load(path)


def restore_serialization(path):
    # ruleid: python-torch-load-unsafe
    return torch.serialization.load(path)


def restore_safe(path):
    # ok: python-torch-load-unsafe
    return torch.load(path, map_location="cpu", weights_only=True)


def restore_imported_safe(path):
    # ok: python-torch-load-unsafe
    return torch_load(path, weights_only=True)


def save(model, path):
    # ok: python-torch-load-unsafe
    torch.save(model.state_dict(), path)


def restore_state(model, path):
    # ok: python-torch-load-unsafe
    model.load_state_dict(torch.load(path, weights_only=True))
