"""Normalising names for search: case- and accent-insensitive prefix keys."""

import unicodedata


def search_key(name: str) -> str:
    """'  Zoë O'Brien ' -> 'zoe obrien': what the registry indexes and searches on."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(ch for ch in letters.casefold() if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())
