"""`app_pages.shared.md`: what people typed, made safe to show as Markdown."""

from app_pages.shared import md


def test_markup_characters_are_escaped_one_by_one():
    assert md("![x](http://a.b/c.png)") == r"\!\[x\]\(http\:\/\/a\.b\/c\.png\)"
    assert md(":red[RED] $x^2$ <b>") == r"\:red\[RED\] \$x^2\$ \<b\>"


def test_a_line_of_equals_signs_does_not_make_a_heading():
    # "Title" above "===" is a setext heading in Markdown.
    assert md("Title\n===") == "Title\n\\=\\=\\="


def test_indentation_is_kept_without_making_a_code_block():
    # Four spaces at the start of a line would make it a code block.
    assert md("Notes:\n    indented\n\tand tabbed") == (
        "Notes\\:\n" + "\u00a0" * 4 + "indented\n" + "\u00a0" + "and tabbed"
    )


def test_nothing_becomes_an_empty_string():
    assert md(None) == ""
    assert md(26.3) == "26\\.3"
