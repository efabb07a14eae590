"""The fetch views; ``includeme`` adds them, each method's view before the preflight's."""
from pyramid.renderers import render_to_response

from svc.fetch.cors import preflight
from svc.fetch.envelope import envelope
from svc.fetch.passthrough import passthrough_response
from svc.fetch.request import json_request, passthrough_request, path_form_url
from svc.fetch.slots import SlotHoldingBody
from svc.web import RELAYED_KEY
from svc.web.forms import form_page
from svc.web.params import json_body, one_param, query
from svc.web.problems import invalid_request


def _fetch(request, fetch_request):
    return request.fetch.fetcher.fetch(fetch_request, via=request.fetch_via)


def guarded(view):
    """The fetching views' decorator: refuse a request that svc itself sent (508), then hold
    one of the caller's slots (429 past the cap) until the server has sent the answer."""

    def wrapper(context, request):
        request.fetch_via  # noqa: B018 (reified now, so a loop is refused before any upstream work)
        user = request.environ.get("REMOTE_USER")
        caller = ("user", user) if user else ("address", request.environ.get("REMOTE_ADDR"))
        give_back = request.fetch.slots.take(caller)
        try:
            response = view(context, request)
        except BaseException:
            give_back()
            raise
        if type(response.app_iter) is list:  # nothing is left to read from upstream
            give_back()
        else:
            length = response.content_length  # WebOb forgets it when app_iter is replaced
            response.app_iter = SlotHoldingBody(response.app_iter, give_back)
            response.content_length = length
        return response

    return wrapper


def _passthrough(request, url):
    method = "HEAD" if request.method == "HEAD" else "GET"
    service = request.fetch
    fetched = _fetch(request, passthrough_request(url, method, request.fetch_settings))
    return _relay(request, fetched, service)


def _relay(request, fetched, service):
    request.environ[RELAYED_KEY] = True  # the upstream's 401 is its own: the auth filter passes it on
    return passthrough_response(fetched, service.response_filter)


def fetch_root(request):
    """``GET /fetch?url=...`` or ``POST /fetch`` with JSON: one view, so that neither
    method's request first tries the other's view (a miss builds an exception response)."""
    if request.method == "POST":
        return fetch_json(request)
    return fetch_query(request)


def fetch_query(request):
    """``GET /fetch?url=...``: nothing but the URL is read from the request.

    Without ``url`` it is the HTML form, as every piece's root is.
    """
    values = query(request)
    if "url" not in values:
        return render_to_response("fetch.jinja2", page(request), request, response=request.response)
    url = one_param(request, "url")
    others = sorted(set(values) - {"url"})
    if others:
        raise invalid_request(
            f"unknown query parameter {others[0]}; if it belongs to the URL, percent-encode the URL",
            parameter=others[0],
        )
    return _passthrough(request, url)


def fetch_path(request):
    """``GET /fetch/https://host/path?q=1``: the URL is the rest of the path, and our query."""
    url = path_form_url(request.matchdict["target"], request.environ, request.query_string)
    return _passthrough(request, url)


def fetch_json(request):
    """``POST /fetch`` with a JSON request: passthrough, or the envelope."""
    doc = json_body(request, "the body must be a JSON object with at least a url")
    service = request.fetch
    fetch_request = json_request(doc, request.fetch_settings)
    fetched = _fetch(request, fetch_request)
    if not fetch_request.envelope:
        return _relay(request, fetched, service)
    return envelope(fetched, service.response_filter)


def inspect(request):
    """The form's fetch: the envelope of a GET or HEAD of ``inspect``."""
    method = query(request).get("method", "GET")
    if method not in ("GET", "HEAD"):
        raise invalid_request("the form fetches with GET or HEAD")
    service = request.fetch
    fetch_request = passthrough_request(one_param(request, "inspect"), method, request.fetch_settings, envelope=True)
    return envelope(_fetch(request, fetch_request), service.response_filter)


def page(request):
    """The form for people: it shows the envelope of the same fetch logic, or the problem."""
    return form_page(request, [("inspect", inspect)])


def preflight_root(request):
    return preflight(request, "GET, HEAD, POST")


def preflight_path(request):
    return preflight(request, "GET, HEAD")
