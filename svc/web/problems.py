"""RFC 9457 problem details: the one shape every API error of svc takes."""
import json

from pyramid.response import Response

PROBLEM_TYPE_BASE = "https://svc.invalid/problems/"
PROBLEM_JSON = "application/problem+json"

# Titles and type slugs for statuses raised by Pyramid itself (routing, auth).
_STATUS_TYPES = {
    400: ("invalid-request", "Invalid request"),
    401: ("unauthorized", "Sign-in required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("request-too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
    431: ("headers-too-large", "Request header fields too large"),
    500: ("internal-error", "Internal server error"),
    502: ("bad-gateway", "Bad gateway"),
    503: ("unavailable", "Service unavailable"),
    504: ("gateway-timeout", "Gateway timeout"),
}


def problem_type(slug):
    return PROBLEM_TYPE_BASE + slug


class Problem(Exception):
    """An error of ours, raised anywhere in a view and rendered as problem+json.

    ``slug`` is the stable last part of the ``type`` URI; ``extensions`` become
    extra members of the body (RFC 9457 section 3.2).
    """

    def __init__(self, status, detail, *, slug=None, title=None, headers=None, **extensions):
        default_slug, default_title = _STATUS_TYPES.get(status, ("error", "Error"))
        self.status = status
        self.slug = slug or default_slug
        self.title = title or default_title
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(detail)

    def body(self, instance=None):
        body = {
            "type": problem_type(self.slug),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


def invalid_request(detail, **extensions):
    """The common 400: the caller sent something we cannot use."""
    return Problem(400, detail, slug="invalid-request", **extensions)


def sign_in_needed(permission=None):
    """The 401 of an anonymous caller, which the auth filter in front turns into a challenge."""
    return Problem(401, f"Sign in: this needs {_needs(permission)}", slug="unauthorized")


def permission_lacking(user, permission=None):
    """The 403 of a signed-in caller without the permission."""
    return Problem(403, f"Signed in as {user}, who lacks {_needs(permission)}", slug="forbidden")


def _needs(permission):
    return f"the permission {permission}" if permission else "a permission"


def status_problem(status, detail=None, headers=None):
    """A Problem for a bare HTTP status raised by the framework."""
    slug, title = _STATUS_TYPES.get(status, ("error", "Error"))
    return Problem(status, detail or title, headers=headers)


def problem_json_response(problem, instance=None):
    """A WebOb response carrying ``problem`` as application/problem+json."""
    response = Response(
        body=json.dumps(problem.body(instance), ensure_ascii=False).encode("utf-8"),
        status=problem.status,
        content_type=PROBLEM_JSON,
        charset="utf-8",
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response
