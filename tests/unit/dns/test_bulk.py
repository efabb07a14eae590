import pytest

from svc.dns.bulk import _cell, _row


@pytest.mark.parametrize(
    "text, cell",
    [
        ("a.test", "a.test"),
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("a\x00b", "a\\x00b"),
        ("a\x1bb\x7f", "a\\x1bb\\x7f"),
        ("\t=1", "\\x09=1"),
    ],
)
def test_cells_are_safe_for_spreadsheets(text, cell):
    assert _cell(text) == cell


def test_rows_quote_commas_and_quotes():
    assert _row(("a,b", 'say "hi"', "", "x")) == '"a,b","say ""hi""",,x\r\n'
