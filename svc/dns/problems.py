"""The dns piece's one exception view: its domain errors become problems here, and only here."""
from pyramid.view import exception_view_config

from svc.dns import errors
from svc.dns.upstream import AnswerTooLarge
from svc.web.errors import render_problem
from svc.web.problems import Problem, invalid_request


def problem_of(exc):
    """The Problem that tells a caller about ``exc``, a DnsError or AnswerTooLarge; else None."""
    detail = str(exc)
    if isinstance(exc, errors.InvalidQuery):
        return invalid_request(detail, parameter=exc.parameter) if exc.parameter else invalid_request(detail)
    if isinstance(exc, errors.QueryTooLarge):
        return Problem(413, detail, slug="request-too-large")
    if isinstance(exc, errors.UnsupportedContent):
        return Problem(415, detail, headers={"Accept-Post": exc.accepted})
    if isinstance(exc, errors.NameNotFound):
        return Problem(404, detail, slug="name-not-found", title="Name not found", name=exc.name)
    if isinstance(exc, errors.LookupTimeout):
        return Problem(504, detail, slug="resolver-timeout", title="Resolver timeout", name=exc.name)
    if isinstance(exc, errors.LookupBusy):
        return Problem(503, detail, slug="resolver-busy", title="Resolver busy", headers={"Retry-After": "1"})
    if isinstance(exc, errors.LookupFailed):
        return Problem(502, detail, slug="resolver-failure", title="Resolver failure")
    if isinstance(exc, AnswerTooLarge):
        # An upstream that sends an answer too large for one DNS message broke the protocol.
        return Problem(502, detail, slug="answer-too-large", title="Answer too large")
    return None


@exception_view_config(errors.DnsError)
@exception_view_config(AnswerTooLarge)
def dns_error(exc, request):
    return render_problem(request, problem_of(exc))
