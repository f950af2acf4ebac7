"""When two customer files are probably the same company."""

import re
import unicodedata

from rapidfuzz import fuzz

# Legal forms and filler words say nothing about identity: "Huber GmbH" = "Huber"
_NOISE = {
    "gmbh", "mbh", "ag", "kg", "ohg", "gbr", "ug", "co", "und", "e.k.", "ek", "se", "kgaa",
    "ltd", "limited", "plc", "llp", "inc", "llc", "sa", "sas", "sarl", "sàrl", "eurl", "srl",
    "spa", "bv", "nv", "the", "and", "et", "cie", "haftungsbeschränkt", "&",
}
SIMILAR_NAME_THRESHOLD = 88


def name_key(name: str) -> str:
    """Name reduced for comparison: lower case, no accents, no legal form, no punctuation."""
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")
    words = re.split(r"[\s,.;:/()\-+]+", text)
    return " ".join(w for w in words if w and w not in _NOISE)


def name_similarity(a: str, b: str) -> float:
    """0–100; token order and legal forms don't matter."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    return fuzz.token_sort_ratio(ka, kb)


def is_similar_name(a: str, b: str) -> bool:
    return name_similarity(a, b) >= SIMILAR_NAME_THRESHOLD
