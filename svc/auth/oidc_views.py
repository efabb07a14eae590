"""Sign-in through an OpenID provider (svc/auth/oidc.py): the start and callback views.

A module of its own, scanned by includeme, so importing svc.auth (as egg:svc#require does)
loads neither Authlib nor the store.
"""
from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, view_config

from svc.auth.challenge import safe_came_from
from svc.auth.metrics import sign_in
from svc.auth.oidc import ProviderSignInFailed, sign_in as provider_sign_in
from svc.auth.views import NEEDS_HTTPS, auth_service
from svc.web.errors import render_problem
from svc.web.params import query
from svc.web.problems import Problem


def _provider(request):
    """The auth service and its OpenID relying party; 404 when none is configured."""
    service = auth_service(request)
    if service.oidc is None:
        raise Problem(404, "Sign-in with an OpenID provider is not configured here (svc.auth.oidc_issuer)")
    if service.settings.secure and request.scheme != "https":
        raise Problem(400, NEEDS_HTTPS, slug="https-required", title="HTTPS required")
    return service, service.oidc


@view_config(route_name="auth.oidc.start", request_method="GET")
def oidc_start(request):
    """Send the browser to the provider, with the flow's secrets in a signed cookie."""
    service, oidc = _provider(request)
    came_from = safe_came_from(query(request).get("came_from"), allowed_hosts=service.settings.allowed_redirect_hosts)
    redirect_uri = service.settings.oidc_redirect_uri or request.route_url("auth.oidc.callback")
    location, headers = oidc.start(request, came_from, redirect_uri)
    response = HTTPSeeOther(location=location, cache_control="no-store")
    response.headerlist.extend(headers)
    return response


@view_config(route_name="auth.oidc.callback", request_method="GET")
def oidc_callback(request):
    """The provider sends the browser back here: check everything, then start svc's own session."""
    service, oidc = _provider(request)
    with sign_in("oidc"):
        claims, came_from = oidc.finish(request)
        headers = provider_sign_in(service, oidc, request, claims)
    new_csrf_token(request)  # a fresh token for the signed-in browser
    response = HTTPSeeOther(location=came_from, cache_control="no-store")
    response.headerlist.extend(headers + oidc.clear(request))
    return response


@exception_view_config(ProviderSignInFailed)
def provider_sign_in_failed(exc, request):
    """Nothing is signed in, and the flow ends: the next try starts afresh."""
    problem = Problem(exc.status, str(exc), slug=exc.slug, title="Sign-in failed")
    response = render_problem(request, problem)
    response.cache_control = "no-store"
    response.headerlist.extend(auth_service(request).oidc.clear(request))
    return response
