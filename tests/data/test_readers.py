"""The leakage guard's notion of *the same text* (``hybridlib.data.readers.leakage_key``)."""

from __future__ import annotations

import random
import re
import unicodedata

from hybridlib.data.readers import leakage_key


def _reference_key(text: str) -> str:
    """The definition, one character at a time: NFKC, casefold, drop punctuation (P*) and format (Cf)
    characters, every whitespace character a space, runs of spaces as one, stripped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = (" " if ch.isspace() else ch for ch in folded if unicodedata.category(ch)[0] != "P")
    return re.sub(r"\s+", " ", "".join(ch for ch in kept if unicodedata.category(ch) != "Cf")).strip()


def test_leakage_key_equals_its_definition_on_every_plane():
    rng = random.Random(0)
    texts = [
        "Who wrote it?",
        " who  wrote it ? ",
        "«Qui l’a écrit ?»\u200b",
        "日本語、テスト。\u3000x",
        "a\u00a0b\u2028c\td",
    ]
    texts += ["".join(chr(rng.randrange(0x110000)) for _ in range(40)) for _ in range(3000)]
    wrong = [t for t in texts if leakage_key(t) != _reference_key(t)]
    assert not wrong, f"{len(wrong)} texts keyed unlike the definition, e.g. {ascii(wrong[0][:40])}"
    assert leakage_key("Who wrote it?") == leakage_key("« who\u00a0wrote it ? »") == "who wrote it"
