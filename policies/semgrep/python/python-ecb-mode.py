import os

from Crypto.Cipher import AES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt_record(key, padded):
    # ruleid: python-ecb-mode
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(padded) + enc.finalize()


def encrypt_blob(key, padded):
    # ruleid: python-ecb-mode
    cipher = AES.new(key, AES.MODE_ECB)
    return cipher.encrypt(padded)


def encrypt_record_safe(key, data):
    nonce = os.urandom(12)
    # ok: python-ecb-mode
    enc = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    return nonce + enc.update(data) + enc.finalize() + enc.tag


def encrypt_blob_safe(key, data):
    # ok: python-ecb-mode
    cipher = AES.new(key, AES.MODE_GCM)
    ct, tag = cipher.encrypt_and_digest(data)
    return cipher.nonce + tag + ct
