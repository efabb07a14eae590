"""Content negotiation every piece shares: HTML for people, JSON for programs, and ``Vary``."""


def wants_html(request):
    """True for a browser, which ranks text/html above JSON in its Accept header."""
    offers = request.accept.acceptable_offers(["application/json", "text/html"])
    return bool(offers) and offers[0][0] == "text/html"


def add_vary(response, header):
    """Add ``header`` to the response's ``Vary``, once, keeping what is there."""
    response.vary = tuple(dict.fromkeys((*(response.vary or ()), header)))
