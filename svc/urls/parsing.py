"""URL parsing and joining with the standard library's semantics, checked for hostile input."""
from urllib.parse import parse_qs, urljoin, urlparse

from svc.web.problems import invalid_request


def check_url(value, name, max_length):
    """Refuse what urllib would accept but no caller should send: NUL, huge, or unparsable."""
    if len(value.encode("utf-8", "surrogatepass")) > max_length:
        raise invalid_request(f"{name} is longer than {max_length} bytes", parameter=name)
    if "\x00" in value:
        raise invalid_request(f"{name} contains a NUL byte", parameter=name)
    try:
        parsed = urlparse(value)
        parsed.port  # raises for a port that is not a number in 0..65535
    except ValueError as exc:
        raise invalid_request(f"{name} is not a valid URL: {exc}", parameter=name) from None
    return parsed


def parse_url(url, max_length):
    """The parts of ``url``; a password is reported as present or absent, never echoed."""
    parsed = check_url(url, "url", max_length)
    netloc = parsed.netloc
    if parsed.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}:***@{hostport}"
    return {
        "scheme": parsed.scheme,
        "netloc": netloc,
        "username": parsed.username,
        "password_present": parsed.password is not None,
        "hostname": parsed.hostname,
        "port": parsed.port,
        "path": parsed.path,
        "params": parsed.params,
        "query": parsed.query,
        "query_params": parse_qs(parsed.query, keep_blank_values=True),
        "fragment": parsed.fragment,
    }


def join_url(base, ref, max_length):
    """``urljoin(base, ref)``, as a browser resolves a link ``ref`` found on page ``base``."""
    if not base:
        raise invalid_request("base is empty", parameter="base")
    check_url(base, "base", max_length)
    check_url(ref, "ref", max_length)
    return urljoin(base, ref)
