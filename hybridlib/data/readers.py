"""The one place shipped files are read: explicit UTF-8, errors that name the file, line and field."""

from __future__ import annotations

import functools
import gzip
import json
import re
import sys
import unicodedata
import zlib
from pathlib import Path
from typing import Any

from hybridlib.data.task import DataError


def read_text(path: str | Path) -> str:
    """A UTF-8 text file (``.gz`` transparently); bad bytes raise a :class:`DataError` naming where."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:  # a truncated or damaged download
        raise DataError(f"{path}: damaged gzip file ({type(err).__name__}: {err}); restore it from data/") from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}: not UTF-8 (byte {err.start}, line {line}: {err.reason})") from err


def lines(text: str) -> list[str]:
    """Lines split on newline only (``str.splitlines`` would also split on U+2028, U+0085, … that
    occur inside passages and JSON strings); a trailing carriage return is dropped."""
    out = text.split("\n")
    if out and out[-1] == "":
        out.pop()
    return [line[:-1] if line.endswith("\r") else line for line in out]


def read_json(path: str | Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: malformed JSON ({err})") from err


def read_jsonl(path: str | Path) -> list[dict]:
    """Records of a JSON-lines file (blank lines skipped)."""
    rows = []
    for i, line in enumerate(lines(read_text(path))):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: malformed JSON on line {i + 1} ({err})") from err
    return rows


def as_int(value: Any, where: str, field: str) -> int:
    """``int(value)`` or a :class:`DataError` naming the record and field."""
    try:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: field {field!r} must be an integer, got {value!r}") from None


def normalise(text: str) -> str:
    """NFKC, lower case, whitespace runs as one space: the key for duplicate passages."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).lower()).strip()


def _dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "P" or category == "Cf"  # punctuation (any script, quotes included); format (zero-width)


@functools.cache
def _leakage_table() -> dict[int, str | None]:
    """``str.translate`` table of :func:`leakage_key`: every dropped code point to nothing, every other
    whitespace code point to a space (built once, 0.3 s; a per-character Python loop cost minutes a grid)."""
    table: dict[int, str | None] = {}
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if _dropped(ch):
            table[cp] = None
        elif ch.isspace():
            table[cp] = " "
    return table


def leakage_key(text: str) -> str:
    """What counts as *the same text* for the leakage guard: equal after NFKC, case folding, deleting
    every Unicode punctuation character (categories P*: ``?`` ``.`` ``«»`` ``“”`` ``、`` …) and
    format character (zero-width spaces and joiners), and collapsing every run of whitespace
    (no-break and ideographic spaces included) to one space. So "Who wrote it?", "who wrote it ?"
    and "Who wrote it" are the same question, and a passage missing its final "." is its passage."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", " ", folded.translate(_leakage_table())).strip()
