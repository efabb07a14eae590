"""The JSON form of DNS answers that Google's and Cloudflare's DNS APIs share."""
import dns.flags
import dns.rcode

from svc.dns.names import query_name, query_type
from svc.dns.resolver import Question
from svc.dns.upstream import AnswerTooLarge
from svc.web.problems import Problem, invalid_request

_FLAG_VALUES = {"": False, "0": False, "false": False, "1": True, "true": True}


def parse_flag(value, parameter):
    """``cd`` and ``do``: 0, 1, false or true (absent is false)."""
    try:
        return _FLAG_VALUES[(value or "").strip().lower()]
    except KeyError:
        raise invalid_request(f"{parameter} {value!r} is not 0, 1, true or false", parameter=parameter) from None


def question_from_params(params):
    """The question of ``?name=&type=&cd=&do=``; type defaults to A."""
    names = params.getall("name")
    if not names:
        raise invalid_request("the query parameter name is required", parameter="name")
    if len(names) > 1:
        raise invalid_request("give the query parameter name once", parameter="name")
    return Question(
        query_name(names[0]),
        query_type(params.get("type", "A")),
        dnssec_ok=parse_flag(params.get("do"), "do"),
        checking_disabled=parse_flag(params.get("cd"), "cd"),
    )


def _records(section):
    return [
        {"name": rrset.name.to_text(), "type": int(rrset.rdtype), "TTL": rrset.ttl, "data": rdata.to_text()}
        for rrset in section
        for rdata in rrset
    ]


def answer_json(question, answer, recursion_desired=True):
    """``answer`` to ``question`` as JSON; empty sections are left out, as Google does.

    An answer too large for one DNS message is a 502: an upstream that sends one broke the protocol.
    """
    if isinstance(answer.error, AnswerTooLarge):
        raise Problem(502, str(answer.error), slug="answer-too-large", title="Answer too large")
    message = answer.message
    body = {
        "Status": message.rcode(),
        "TC": False,  # svc retries truncated answers over TCP, so none reaches a client truncated
        "RD": recursion_desired,
        "RA": bool(message.flags & dns.flags.RA),
        "AD": bool(message.flags & dns.flags.AD),
        "CD": question.checking_disabled,
        "Question": [{"name": question.name.to_text(), "type": int(question.rdtype)}],
    }
    for key, section in (("Answer", message.answer), ("Authority", message.authority), ("Additional", message.additional)):
        records = _records(section)
        if records:
            body[key] = records
    if answer.error is not None:
        body["Comment"] = f"SERVFAIL from svc: {answer.error}"
    elif message.rcode() == dns.rcode.NXDOMAIN:
        body["Comment"] = f"{question.name.to_text()} does not exist (NXDOMAIN)"
    return body
