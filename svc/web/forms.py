"""Pages for people: a form whose submission runs the same view logic as the API."""
from svc.web.params import query
from svc.web.problems import Problem


def form_page(request, actions):
    """Run the first of ``actions`` (query parameter, view) whose parameter the form sent.

    A Problem shows on the page, with its status, instead of as problem+json. ``action`` is
    the parameter that chose the view, so the page knows how to show its result.
    """
    values = {}
    try:
        values = query(request)
        for parameter, view in actions:
            if parameter in values:
                return {"result": view(request), "error": None, "values": values, "action": parameter}
    except Problem as exc:
        return form_problem(request, exc, values)
    return {"result": None, "error": None, "values": values, "action": None}


def form_problem(request, problem, values=None):
    """What a form page shows for ``problem``: its detail, with the problem's status."""
    request.response.status = problem.status
    return {"result": None, "error": problem.body(), "values": values or {}, "action": None}
