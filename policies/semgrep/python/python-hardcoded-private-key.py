from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key

# ruleid: python-hardcoded-private-key
SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
-----END RSA PRIVATE KEY-----"""


def deploy_key():
    # ruleid: python-hardcoded-private-key
    return b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n"


# ok: python-hardcoded-private-key
PEM_HEADER = "-----BEGIN PRIVATE KEY-----"


def load_signing_key(path: Path):
    # ok: python-hardcoded-private-key
    return load_pem_private_key(path.read_bytes(), password=None)


def looks_like_key(text: str) -> bool:
    # ok: python-hardcoded-private-key
    return text.lstrip().startswith("-----BEGIN RSA PRIVATE KEY-----")
