"""RSA key files (the key that signs SMART id_tokens): made once, owner-only; read back, or a one-line error
naming the setting when the file is missing or holds something else."""

import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ketacare.lib.env import SettingError
from ketacare.lib.rsa_keys import ensure_rsa_key_file, read_rsa_key_file

VARIABLE = "KETACARE_OIDC_RSA_KEY_FILE"


def test_a_key_is_made_once_readable_by_its_owner_only_and_reads_back(tmp_path):
    path = tmp_path / "var" / "oidc_rsa_key.pem"
    pem = ensure_rsa_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_rsa_key_file(path) == pem  # kept, not replaced
    assert read_rsa_key_file(VARIABLE, path) == pem
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no draft left behind


def test_a_missing_file_is_an_error_naming_the_setting(tmp_path):
    with pytest.raises(SettingError, match=f"^{VARIABLE} cannot be read: .*No such file"):
        read_rsa_key_file(VARIABLE, tmp_path / "absent.pem")


@pytest.mark.parametrize("kind", ["text", "ec key", "public key"])
def test_anything_but_an_rsa_private_key_is_refused(tmp_path, kind):
    path = tmp_path / "key.pem"
    rsa_pem = ensure_rsa_key_file(tmp_path / "rsa.pem")
    if kind == "text":
        path.write_text("not a key")
    elif kind == "ec key":
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    else:
        public = serialization.load_pem_private_key(rsa_pem.encode(), password=None).public_key()
        path.write_bytes(
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    with pytest.raises(SettingError, match=f"^{VARIABLE} .*key.pem"):
        read_rsa_key_file(VARIABLE, path)
