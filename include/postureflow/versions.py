"""Version strings as comparable tuples ("7.0.12" -> (7, 0, 12)), the one reader for every check."""

from __future__ import annotations


def version_tuple(text: object, parts: int | None = None) -> tuple[int, ...] | None:
    """The leading numbers of a dotted version, each part's digits ("6.x" -> (6,), "15.4-R2" -> (15, 4)),
    cut to ``parts`` numbers when given; None when the text starts with no number or has fewer than ``parts``."""
    numbers: list[int] = []
    for part in str(text if text is not None else "").split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
    if not numbers or (parts is not None and len(numbers) < parts):
        return None
    return tuple(numbers[:parts]) if parts is not None else tuple(numbers)
