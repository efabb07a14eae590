"""Reading request parameters, with a 400 problem when they are missing or repeated."""
from svc.web.problems import invalid_request


def query(request):
    """``request.GET``, or a 400 when the query string is not UTF-8 (WebOb would raise)."""
    try:
        return request.GET
    except UnicodeDecodeError:
        raise invalid_request("the query string is not valid UTF-8") from None


def one_param(request, name):
    """The single value of query parameter ``name``; missing or repeated is a 400."""
    values = query(request).getall(name)
    if not values:
        raise invalid_request(f"the query parameter {name} is required", parameter=name)
    if len(values) > 1:
        raise invalid_request(f"give the query parameter {name} once", parameter=name)
    return values[0]
