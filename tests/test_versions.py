import pytest

from postureflow.versions import version_tuple


@pytest.mark.parametrize(
    "text, parts, expected",
    [
        ("7.0.12", None, (7, 0, 12)),
        ("7.0.12", 2, (7, 0)),
        ("6.x", None, (6,)),  # ElastiCache's major-only form
        ("6.x", 2, None),  # too few numbers for a major.minor comparison: unknown, not (6, 0)
        ("15.4-R2", None, (15, 4)),
        ("1.29", 2, (1, 29)),
        (None, None, None),
        ("", None, None),
        ("latest", None, None),
    ],
)
def test_versions_read_their_leading_numbers(text, parts, expected):
    assert version_tuple(text, parts) == expected


def test_versions_compare_numerically_not_as_text():
    assert version_tuple("1.10") > version_tuple("1.9")
