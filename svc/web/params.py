"""Reading request parameters, with a 400 problem when they are missing or repeated."""
import json

from svc.web.problems import Problem, invalid_request
from svc.web.settings import as_bool


def query(request):
    """``request.GET``, or a 400 when the query string is not UTF-8 (WebOb would raise)."""
    try:
        return request.GET
    except UnicodeDecodeError:
        raise invalid_request("the query string is not valid UTF-8") from None


def one_param(request, name):
    """The single value of query parameter ``name``; missing or repeated is a 400."""
    return one_value(query(request), name)


def one_value(params, name):
    """The single value of ``name`` in the multidict ``params``; missing or repeated is a 400."""
    values = params.getall(name)
    if not values:
        raise invalid_request(f"the query parameter {name} is required", parameter=name)
    if len(values) > 1:
        raise invalid_request(f"give the query parameter {name} once", parameter=name)
    return values[0]


def flag(value, parameter):
    """A yes/no parameter, read as settings are (true/false, yes/no, on/off, 1/0); empty or absent is no."""
    if value is None or not value.strip():
        return False
    try:
        return as_bool(value)
    except ValueError:
        raise invalid_request(f"{parameter} {value!r} is not true or false (nor 1/0, yes/no, on/off)", parameter=parameter) from None


def json_body(request, invalid="the body is not valid JSON"):
    """The decoded JSON body. Only ``application/json`` is read (a 415 otherwise), so a page on
    another site cannot send it as a form or text/plain without a CORS preflight."""
    if request.content_type != "application/json":
        raise Problem(415, "Send the body as application/json", slug="unsupported-media-type")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise invalid_request(invalid) from None
