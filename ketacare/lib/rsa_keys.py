"""RSA private keys kept in PEM files: read one a setting names (a clear error when it cannot be used), or make
one for development, demo mode and tests (the key that signs SMART OpenID Connect id_tokens)."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ketacare.lib.env import SettingError

RSA_KEY_BITS = 2048


def read_rsa_key_file(variable: str, path: Path) -> str:
    """The PEM text of the RSA private key in `path`; SettingError naming `variable` when the file cannot be
    read or holds anything else (an encrypted key, a public key, a certificate, an EC key)."""
    try:
        pem = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(variable, f"cannot be read: {exc}") from None
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise SettingError(variable, f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SettingError(variable, f"{path} holds a private key that is not RSA")
    return pem


def ensure_rsa_key_file(path: Path) -> str:
    """The PEM text of the key in `path`, made first (readable by its owner only) when there is none. Two
    processes starting at once agree on one key: it is written aside and linked into place."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as draft_file:
            draft_file.write(pem)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return path.read_text()
