"""The small interface between the fetch logic and the HTTP client that does the I/O.

An engine has one method, ``start(hop) -> Exchange``: it sends one request (no
redirects followed) to one of the hop's vetted addresses and returns once the response
headers are in. The default engine is :class:`svc.fetch.curl.CurlEngine`; the
``svc.fetch.engine`` setting names another by dotted name.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hop:
    """One request to send. Times are in seconds; sizes in bytes."""

    target: object  # svc.fetch.target.Target: the URL, and the name for Host, SNI and certificates
    addresses: tuple  # the vetted addresses: the engine connects to no other
    method: str
    headers: tuple  # (name, value) pairs, sent as they are; nothing else but Host is added
    body: bytes | None
    connect_timeout: float
    read_timeout: float  # the longest wait for the next byte
    deadline: float  # time.monotonic() at which the whole fetch must be over
    decode: bool  # undo Content-Encoding (the envelope) or leave it (passthrough)
    max_body: int  # the body the engine may deliver (decoded, when decoding)
    max_header_size: int


@dataclass
class Timings:
    """Seconds spent in each phase of one hop (0 when a pooled connection was reused)."""

    connect: float = 0.0
    tls: float = 0.0
    ttfb: float = 0.0  # from the start of the hop to the first response byte


@dataclass
class Exchange:
    """A response whose headers are in and whose body may still be on its way.

    Iterate it for the body (chunks of bytes), or call ``read()``; always ``close()`` it.
    Errors while reading raise the piece's FetchError classes.
    """

    status: int
    headers: list  # (name, value) pairs as received, in order
    body: object  # a list of bytes when the whole body is in, else an iterator of chunks with close()
    timings: Timings = field(default_factory=Timings)
    # The exact size of the body as it will be delivered (for HEAD, as a GET would deliver it),
    # when the engine knows and enforces it: a body that ends short raises. Else None.
    length: int | None = None

    def __iter__(self):
        return iter(self.body)

    def read(self):
        try:
            return b"".join(self.body)
        finally:
            self.close()

    def close(self):
        close = getattr(self.body, "close", None)
        if close is not None:
            close()
