from pyramid.view import view_config

from svc.urls.parsing import join_url, parse_url
from svc.web.forms import form_page
from svc.web.params import one_param


def _limit(request):
    return request.urls_settings.max_url_length


@view_config(route_name="urls.parse", request_method="GET", renderer="json")
def parse(request):
    return parse_url(one_param(request, "url"), _limit(request))


@view_config(route_name="urls.join", request_method="GET", renderer="json")
def join(request):
    base = one_param(request, "base")
    ref = one_param(request, "ref")
    return {"url": join_url(base, ref, _limit(request))}


@view_config(route_name="urls.page", request_method="GET", renderer="urls.jinja2")
def page(request):
    """The form for people; it shows the same results and errors as the API."""
    return form_page(request, [("url", parse), ("base", join)])
