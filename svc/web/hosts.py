"""Host names as people type them, made ASCII one way for every piece: UTS 46 and IDNA 2008.

Python's ``idna`` codec is IDNA 2003 (``faß.de`` becomes ``fass.de``, a different domain), so
names go through the ``idna`` package instead, as browsers and libcurl's libidn2 do.
"""
import re

import idna

MAX_LABEL = 63  # octets, RFC 1035 section 2.3.4
MAX_NAME = 253  # characters of the dotted form, which is 255 octets on the wire

_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$")


class InvalidHostName(ValueError):
    """A host name that cannot be used; the message completes "the host ..." for the caller."""


def idna_encode(text):
    """ASCII labels as they are; other labels mapped by UTS 46 and encoded as IDNA 2008 A-labels.

    Label by label, so service labels such as ``_sip`` (not valid IDNA) pass unchanged.
    """
    if text.isascii():
        return text
    try:
        mapped = idna.uts46_remap(text, std3_rules=False, transitional=False)
        labels = [label if label.isascii() else idna.alabel(label).decode("ascii") for label in mapped.split(".")]
    except idna.IDNAError as exc:
        raise InvalidHostName(f"is not a valid internationalized name: {exc}") from None
    return ".".join(labels)


def ascii_host(text):
    """``text`` lower-cased, without its one trailing dot (a fully qualified name), in A-labels."""
    host = text.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise InvalidHostName("is empty")
    return idna_encode(host)


def check_host_name(name):
    """Refuse what :func:`check_lengths` refuses, and labels of characters other than letters,
    digits, hyphens and underscores (which SRV and DKIM names use)."""
    return check_lengths(name, _LABEL)


def check_lengths(name, label_pattern=None):
    """Refuse a name over 253 characters, an empty label and a label over 63 (or not
    matching ``label_pattern``), in the order of the labels."""
    if len(name) > MAX_NAME:
        raise InvalidHostName(f"is {len(name)} characters long; a DNS name has at most {MAX_NAME}")
    for label in name.split("."):
        if not label:
            raise InvalidHostName("has an empty label")
        if len(label) > MAX_LABEL:
            raise InvalidHostName(f"has a label of {len(label)} characters; a label has at most {MAX_LABEL}")
        if label_pattern is not None and not label_pattern.match(label):
            raise InvalidHostName(f"is not a valid host name: {name!r}")
    return name


def host_name(text):
    """The ASCII host name for ``text`` (see :func:`ascii_host`), checked; InvalidHostName otherwise."""
    return check_host_name(ascii_host(text))
