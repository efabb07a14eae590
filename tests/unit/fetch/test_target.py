import pytest

from svc.fetch.target import BadTarget, parse_target


@pytest.mark.parametrize(
    "text, url, host",
    [
        ("http://2130706433/", "http://127.0.0.1/", "127.0.0.1"),
        ("http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1"),
        ("http://127.1/", "http://127.0.0.1/", "127.0.0.1"),
        ("http://0177.0.0.1/", "http://127.0.0.1/", "127.0.0.1"),
        ("http://0x7f000001/", "http://127.0.0.1/", "127.0.0.1"),
        ("http://127.0.0.1./", "http://127.0.0.1/", "127.0.0.1"),
        ("http://0/", "http://0.0.0.0/", "0.0.0.0"),
        ("http://[::ffff:127.0.0.1]:8080/a?b", "http://[::ffff:7f00:1]:8080/a?b", "::ffff:7f00:1"),
        ("HTTPS://Example.COM.:443/p?q=1#frag", "https://example.com/p?q=1", "example.com"),
        ("http://bücher.example/", "http://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("http://h/a b/é?x=ä y", "http://h/a%20b/%C3%A9?x=%C3%A4%20y", "h"),
        ("http://h", "http://h/", "h"),
        ("http://h:8080/%2F", "http://h:8080/%2F", "h"),
    ],
)
def test_hosts_are_read_as_browsers_and_libcurl_read_them(text, url, host):
    target = parse_target(text)
    assert target.url == url and target.host == host


@pytest.mark.parametrize(
    "text, reason",
    [
        ("file:///etc/passwd", "http"),
        ("gopher://h/", "http"),
        ("http:/h/", "http"),
        ("//h/", "http"),
        ("http://user:pw@h/", "credentials"),
        ("http://h@evil/", "credentials"),
        ("http://h\\@evil/", "backslash"),
        ("http://h/\x00", "NUL"),
        ("http://h/\r\nX: y", "control"),
        ("http://h\t/", "control"),
        ("http://h:99999/", "malformed"),
        ("http://h:0/", "port 0"),
        ("http://[::1/", "malformed"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://1.2.3.4.5/", "IPv4"),
        ("http://08.0.0.1/", "IPv4"),
        ("http://256.0.0.1/", "IPv4"),
        ("http://a_b-.example..com/", "host name"),
        ("http:///path", "no host"),
        ("http://" + "a" * 9000, "longer"),
    ],
)
def test_refused(text, reason):
    with pytest.raises(BadTarget, match=reason):
        parse_target(text)
