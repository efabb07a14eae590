import pytest

from svc.urls.parsing import join_url, parse_url
from svc.web.problems import Problem


def test_password_is_redacted_but_reported():
    parts = parse_url("ftp://u:p%40ss@h/", 8192)
    assert parts["netloc"] == "u:***@h"
    assert parts["password_present"] is True
    assert "p%40ss" not in repr(parts)


def test_userinfo_with_at_sign_in_password():
    assert parse_url("http://u:a@b@h/", 8192)["netloc"] == "u:***@h"


def test_relative_reference_parses():
    parts = parse_url("../a?b#c", 8192)
    assert parts["scheme"] == "" and parts["path"] == "../a" and parts["hostname"] is None


@pytest.mark.parametrize("url", ["http://x:65536", "http://[1::", "a\x00b"])
def test_bad_urls_raise_400_problems(url):
    with pytest.raises(Problem) as info:
        parse_url(url, 8192)
    assert info.value.status == 400


def test_limit_counts_bytes_not_characters():
    with pytest.raises(Problem):
        parse_url("é" * 5, 9)
    assert parse_url("é" * 4, 9)["path"] == "é" * 4


def test_join_empty_ref_keeps_base():
    assert join_url("http://h/a?q", "", 8192) == "http://h/a?q"
