"""Normalising names for search: case- and accent-insensitive prefix keys."""

import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent,
# spelled as people type them on a US keyboard.
_NO_DECOMPOSITION = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)


def search_key(name: str) -> str:
    """'  Zoë O'Brien ' -> 'zoe obrien': what the registry indexes and searches on."""
    folded = unicodedata.normalize("NFKD", name).casefold().translate(_NO_DECOMPOSITION)
    letters = "".join(ch for ch in folded if not unicodedata.combining(ch))
    kept = "".join(ch for ch in letters if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())
