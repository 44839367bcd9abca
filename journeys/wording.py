"""Counts in words, for messages and summaries: "1 answer", "9,000 answers".

Every count shown to a person has thousands separators and its noun in the
singular for exactly one.
"""


def plural(noun: str) -> str:
    """The plural of a noun (or of a phrase's last word) as our texts use them.

    >>> [plural(n) for n in ("answer", "agency", "journey", "new agency")]
    ['answers', 'agencies', 'journeys', 'new agencies']
    """
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


def counted(number: int, noun: str, plural_form: str | None = None) -> str:
    """A count and its noun: singular for exactly one, plural otherwise.

    ``plural_form`` is for nouns `plural` gets wrong, or for phrases whose
    first word changes ("row or value", "rows or values").

    >>> counted(1, "response"), counted(9000, "survey answer"), counted(0, "agency")
    ('1 response', '9,000 survey answers', '0 agencies')
    >>> counted(2, "row or value", "rows or values")
    '2 rows or values'
    """
    word = noun if number == 1 else (plural_form or plural(noun))
    return f"{number:,} {word}"


def megabytes(size: int) -> str:
    """A file size in MB (of 1,048,576 bytes), one decimal, rounded up so that
    a file over a limit never reads as the limit itself.

    >>> megabytes(26_308_678), megabytes(20 * 1_048_576), megabytes(20 * 1_048_576 + 1)
    ('25.1 MB', '20 MB', '20.1 MB')
    """
    tenths = -(-size * 10 // 1_048_576)
    return f"{tenths // 10:,} MB" if tenths % 10 == 0 else f"{tenths / 10:,.1f} MB"
