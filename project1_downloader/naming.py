"""Turning URLs into safe, distinct file names.

A URL's last path segment is a *suggestion* from a stranger: it can carry a query string, percent
escapes, `..%2F` trying to climb out of the folder, control characters, or be empty or absurdly
long. Everything here makes sure the name is a single, plain, non-empty file name of at most
255 bytes (the limit of common Linux, macOS and Windows file systems), so that whatever the URL
says, the file lands inside the output folder.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

DEFAULT_NAME = "index.html"
MAX_NAME_BYTES = 255
# A suffix longer than this is not an extension worth keeping when a name must be shortened.
MAX_EXTENSION_BYTES = 16
REPLACEMENT = "_"
SEPARATORS = {"/", "\\"}
# Line and paragraph separators (U+2028, U+2029) break lines as surely as "\n" does.
LINE_BREAK_CATEGORIES = {"Zl", "Zp"}
DOT_NAMES = {".", ".."}


def filename_from_url(url: str) -> str:
    """The file name for `url`: its last non-empty path segment, made safe.

    The segment is taken before percent-decoding, so an encoded slash (`%2F`) is a character of
    the name, not a separator, and is then replaced like any other.
    """
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    raw = segments[-1] if segments else ""
    return sanitize(unquote(raw, encoding="utf-8", errors="replace"))


def sanitize(name: str) -> str:
    """Replace separators and control characters; never `.`, `..` or empty; at most 255 bytes."""
    cleaned = "".join(REPLACEMENT if _is_unsafe(char) else char for char in name)
    if cleaned in DOT_NAMES or not cleaned:
        cleaned = DEFAULT_NAME
    return fit_name(cleaned)


def _is_unsafe(char: str) -> bool:
    # Unicode category C covers control characters (NUL, CR, LF, ESC, ...) and also invisible
    # format characters such as U+202E, which can make "evil\u202egpj.exe" display as "evilexe.jpg".
    category = unicodedata.category(char)
    return char in SEPARATORS or category.startswith("C") or category in LINE_BREAK_CATEGORIES


def split_extension(name: str) -> tuple[str, str]:
    """Split `name` into stem and extension (`"photo.jpg"` -> `("photo", ".jpg")`).

    A leading dot starts a hidden name, not an extension; an overlong suffix is not an extension.
    """
    dot = name.rfind(".")
    if dot <= 0 or len(name[dot:].encode()) > MAX_EXTENSION_BYTES:
        return name, ""
    return name[:dot], name[dot:]


def fit_name(name: str, tag: str = "") -> str:
    """`name` with `tag` before its extension, shortened to at most 255 bytes.

    Only the stem is cut, on a character boundary, so the extension (and the tag that keeps the
    name distinct) survive: `fit_name("photo.jpg", " (1)")` is `"photo (1).jpg"`.
    """
    stem, extension = split_extension(name)
    budget = MAX_NAME_BYTES - len(tag.encode()) - len(extension.encode())
    stem_bytes = stem.encode()
    if len(stem_bytes) > budget:
        stem = stem_bytes[:budget].decode(errors="ignore")
    return f"{stem}{tag}{extension}"


class NameAllocator:
    """Hands out distinct names: `photo.jpg`, then `photo (1).jpg`, `photo (2).jpg`, ...

    Names are handed out in the order of the URL list, so the same list always gives each URL the
    same name, and a re-run can recognise what an earlier run already saved.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()
        # Where to resume counting for each name, so 10,000 URLs ending in "/" don't each
        # walk past "index (1).html" ... "index (9999).html" again.
        self._next_counter: dict[str, int] = {}

    def allocate(self, name: str) -> str:
        counter = self._next_counter.get(name, 0)
        candidate = name if counter == 0 else fit_name(name, f" ({counter})")
        while candidate in self._taken:
            counter += 1
            candidate = fit_name(name, f" ({counter})")
        self._taken.add(candidate)
        self._next_counter[name] = counter + 1
        return candidate
