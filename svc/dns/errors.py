"""The dns piece's own errors: classes to catch, free of HTTP; svc/dns/problems.py maps them.

``str(error)`` is the sentence a caller reads (a problem's detail, a bulk row's error).
"""


class DnsError(Exception):
    """Anything the dns piece refuses or fails at."""


class InvalidQuery(DnsError):
    """A name, type, address or DNS message that cannot be asked; ``parameter`` names its source."""

    def __init__(self, detail, parameter=None):
        super().__init__(detail)
        self.parameter = parameter


class QueryTooLarge(DnsError):
    """A DNS message or a bulk list over its limit."""


class UnsupportedContent(DnsError):
    """A body in a media type this path does not read; ``accepted`` lists those it does."""

    def __init__(self, detail, accepted):
        super().__init__(detail)
        self.accepted = accepted


class NameNotFound(DnsError):
    def __init__(self, name, detail=None):
        super().__init__(detail or f"{name} has no address")
        self.name = name


class LookupTimeout(DnsError):
    def __init__(self, name, detail):
        super().__init__(detail)
        self.name = name


class LookupBusy(DnsError):
    """No lookup worker freed up within ``seconds``."""

    def __init__(self, seconds):
        super().__init__(f"every lookup worker stayed busy for {seconds:g} s; try again later")
        self.seconds = seconds


class LookupFailed(DnsError):
    def __init__(self, name, reason):
        super().__init__(f"the resolver failed for {name}: {reason}")
        self.name = name
