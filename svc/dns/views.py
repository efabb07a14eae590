import json

import dns.flags
import dns.rcode
import dns.rdatatype
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from svc.dns.bulk import csv_rows, read_lines
from svc.dns.doh import (
    DNS_JSON,
    DNS_MESSAGE,
    cache_control,
    decode_dns_param,
    parse_query,
    question_of,
    read_post_body,
    reply_key,
    reply_wire,
)
from svc.dns.errors import DnsError
from svc.dns.jsonformat import answer_json, question_from_params
from svc.dns.lookup import lookup_host, parse_family, reverse_names
from svc.dns.metrics import BULK_NAMES, DOH_QUERIES
from svc.dns.problems import problem_of
from svc.web.negotiation import wants_html
from svc.web.forms import form_page, form_problem
from svc.web.params import flag, one_param, query
from svc.web.problems import Problem, invalid_request

# What /dns-query can answer in; application/json is what a browser or curl asks for by habit.
QUERY_FORMATS = [DNS_MESSAGE, DNS_JSON, "application/json"]


def _option(request, name, default):
    """A lookup option from the query string, or from the form of a multipart upload."""
    values = query(request)
    if name in values:
        return one_param(request, name)
    if request.content_type == "multipart/form-data":
        return request.POST.get(name, default)
    return default


@view_config(route_name="dns.lookup", request_method="GET", renderer="json", permission="dns")
def lookup(request):
    host = one_param(request, "host")
    family = parse_family(_option(request, "family", "any"))
    strict = flag(_option(request, "strict", "false"), "strict")
    return lookup_host(request.dns_lookup, host, family, strict)


@view_config(route_name="dns.reverse", request_method="GET", renderer="json", permission="dns")
def reverse(request):
    return reverse_names(request.dns_resolver, one_param(request, "ip"))


# Google's ct=: the wire format, or JSON by any of the names it accepts (empty: JSON).
JSON_TYPES = ("", "application/json", "application/x-javascript", DNS_JSON)


@view_config(route_name="dns.resolve", request_method="GET", renderer="json", permission="dns")
def resolve(request):
    params = query(request)
    content_type = params.get("ct", "").strip().lower()
    if content_type != DNS_MESSAGE and content_type not in JSON_TYPES:
        raise invalid_request(f"ct is {DNS_MESSAGE} or application/json, not {content_type!r}", parameter="ct")
    question = question_from_params(params, request.dns_settings.forward_client_subnet)
    answer = request.dns_resolver.resolve(question)
    if content_type == DNS_MESSAGE:
        message = question.to_query()
        message.id = 0  # as RFC 8484 4.1 asks of GET queries, for caches
        return _wire_response(reply_wire(message, answer), cache_control(answer))
    request.response.cache_control = cache_control(answer)
    return answer_json(question, answer)


@view_config(route_name="dns.query", request_method=("GET", "POST"), permission="dns")
def dns_query(request):
    """RFC 8484; with Accept: application/dns-json, the JSON API on the same path."""
    offers = request.accept.acceptable_offers(QUERY_FORMATS)
    if not offers:
        raise Problem(406, f"this path answers in {', '.join(QUERY_FORMATS)}")
    media_type = offers[0][0]
    DOH_QUERIES.labels(media_type).inc()
    params = query(request)
    if request.method == "POST":
        wire = read_post_body(request)
    elif "dns" in params:
        wire = decode_dns_param(one_param(request, "dns"))
    elif "name" in params and media_type != DNS_MESSAGE:
        wire = None
    else:
        raise invalid_request(
            "give dns= (a base64url DNS query), or name= with Accept: application/dns-json",
            parameter="dns",
        )
    if wire is None:
        message, question = None, question_from_params(params, request.dns_settings.forward_client_subnet)
    else:
        message = parse_query(wire)
        question = question_of(message, request.dns_settings.forward_client_subnet)
    if media_type == DNS_MESSAGE:
        replies = request.dns_replies
        key = reply_key(message, question)
        replayed = replies.get(key, message.id)
        if replayed is not None:
            return _wire_response(*replayed)
    answer = request.dns_resolver.resolve(question)
    if media_type == DNS_MESSAGE:
        body = reply_wire(message, answer)
        replies.put(key, body, answer)
        return _wire_response(body, cache_control(answer))
    recursion_desired = message is None or bool(message.flags & dns.flags.RD)
    body = json.dumps(answer_json(question, answer, recursion_desired)).encode("utf-8")
    response = Response(body=body, content_type=media_type)
    response.cache_control = cache_control(answer)
    return response


def _wire_response(body, control):
    response = Response(body=body, content_type=DNS_MESSAGE)
    response.cache_control = control
    return response


@view_config(route_name="dns.bulk", request_method="POST", permission="dns")
def bulk(request):
    settings = request.dns_settings
    try:
        family = parse_family(_option(request, "family", "any"))
        strict = flag(_option(request, "strict", "false"), "strict")
        lines = read_lines(request, settings.bulk_max_lines, settings.bulk_max_bytes)
    except (Problem, DnsError) as exc:
        if not wants_html(request):
            raise
        # The bulk form's mistake shows on the form's page, with its status.
        problem = exc if isinstance(exc, Problem) else problem_of(exc)
        return render_to_response("dns.jinja2", _page_helpers(form_problem(request, problem)), request, response=request.response)
    BULK_NAMES.labels("strict" if strict else "lenient").inc(len(lines))
    rows = csv_rows(
        request.dns_lookup, lines, family, strict, settings.bulk_concurrency, settings.bulk_deadline
    )
    return Response(app_iter=rows, content_type="text/csv", charset="utf-8")


@view_config(route_name="dns.page", request_method="GET", renderer="dns.jinja2", permission="dns")
def page(request):
    """The forms for people; they show the same results and errors as the API."""
    return _page_helpers(form_page(request, [("host", lookup), ("ip", reverse), ("name", resolve)], problem_of))


def _page_helpers(values):
    """The page shows record types and response codes by name, as dig does."""
    return {**values, "type_text": dns.rdatatype.to_text, "rcode_text": dns.rcode.to_text}
