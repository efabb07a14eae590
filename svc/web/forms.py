"""Pages for people: a form whose submission runs the same view logic as the API."""
from svc.web.params import query
from svc.web.problems import Problem


def form_page(request, actions):
    """Run the first of ``actions`` (query parameter, view) whose parameter the form sent.

    A Problem shows on the page, with its status, instead of as problem+json.
    """
    result = error = None
    values = {}
    try:
        values = query(request)
        for parameter, view in actions:
            if parameter in values:
                result = view(request)
                break
    except Problem as exc:
        error = exc.body()
        request.response.status = exc.status
    return {"result": result, "error": error, "values": values}
