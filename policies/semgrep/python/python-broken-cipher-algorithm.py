import os

from Crypto.Cipher import AES, DES, DES3
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def encrypt_legacy(key, data):
    iv = os.urandom(8)
    # ruleid: python-broken-cipher-algorithm
    cipher = Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    return iv + cipher.encryptor().update(data)


def rc4_stream(key, data):
    # ruleid: python-broken-cipher-algorithm
    enc = Cipher(algorithms.ARC4(key), mode=None).encryptor()
    return enc.update(data)


def des_encrypt(key, data):
    # ruleid: python-broken-cipher-algorithm
    cipher = DES.new(key, DES.MODE_CBC)
    return cipher.iv + cipher.encrypt(data)


def des3_encrypt(key, data):
    # ruleid: python-broken-cipher-algorithm
    return DES3.new(key, DES3.MODE_EAX).encrypt(data)


def encrypt_modern(key, data, aad):
    nonce = os.urandom(12)
    # ok: python-broken-cipher-algorithm
    return nonce + AESGCM(key).encrypt(nonce, data, aad)


def aes_ctr(key, data):
    nonce = os.urandom(16)
    # ok: python-broken-cipher-algorithm
    enc = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()
    return nonce + enc.update(data) + enc.finalize()


def aes_gcm_pycryptodome(key, data):
    # ok: python-broken-cipher-algorithm
    cipher = AES.new(key, AES.MODE_GCM)
    ct, tag = cipher.encrypt_and_digest(data)
    return cipher.nonce + tag + ct
