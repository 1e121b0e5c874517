import random
import time
from datetime import datetime

import numpy as np


def init_tokens():
    # ruleid: python-random-seeded-with-time
    random.seed(time.time())


def init_ids():
    # ruleid: python-random-seeded-with-time
    random.seed(int(time.time() * 1000) ^ 0x5DEECE66D)


def make_rng():
    # ruleid: python-random-seeded-with-time
    return random.Random(datetime.now().timestamp())


def reseed(rng):
    # ruleid: python-random-seeded-with-time
    rng.seed(time.time_ns())


def numpy_rng():
    # ruleid: python-random-seeded-with-time
    return np.random.default_rng(int(time.time()))


def reproducible_simulation():
    # ok: python-random-seeded-with-time
    random.seed(42)


def default_seed():
    # ok: python-random-seeded-with-time
    random.seed()


def seeded_from_config(config):
    # ok: python-random-seeded-with-time
    return random.Random(config.seed)
