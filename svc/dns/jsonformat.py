"""The JSON form of DNS answers that Google's and Cloudflare's DNS APIs share."""
import dns.flags
import dns.rcode

from svc.dns.names import query_name, query_type
from svc.dns.resolver import Question
from svc.dns.upstream import AnswerTooLarge
from svc.web.params import flag, one_value
from svc.web.problems import Problem

def question_from_params(params):
    """The question of ``?name=&type=&cd=&do=``; type defaults to A."""
    return Question(
        query_name(one_value(params, "name")),
        query_type(params.get("type", "A")),
        dnssec_ok=flag(params.get("do"), "do"),
        checking_disabled=flag(params.get("cd"), "cd"),
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
