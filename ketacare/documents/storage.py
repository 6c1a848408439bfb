"""Where document files live: the "documents" storage of settings.STORAGES (a directory under var/
outside the web root, or an S3-compatible bucket), never the default storage or a static/media URL."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages

STORAGE_ALIAS = "documents"


def document_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def store_file(organisation_id: int, content: bytes, extension: str) -> str:
    """Save `content` under a new random name (one folder per organisation); the name it was saved as."""
    name = f"{organisation_id}/{secrets.token_hex(16)}{extension}"
    return document_storage().save(name, ContentFile(content))
