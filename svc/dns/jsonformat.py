"""The JSON form of DNS answers that Google's and Cloudflare's DNS APIs share, and the parameters
of Google's JSON API (https://developers.google.com/speed/public-dns/docs/doh/json)."""
import ipaddress

import dns.edns
import dns.flags
import dns.rcode

from svc.dns.errors import InvalidQuery
from svc.dns.names import query_name, query_type
from svc.dns.resolver import Question
from svc.dns.upstream import AnswerTooLarge
from svc.web.params import flag, one_value

# RFC 7871 11.1: no more of the client's address than this is told upstream.
MAX_SUBNET_PREFIX = {4: 24, 6: 56}


def parse_client_subnet(value, forward):
    """``edns_client_subnet``: an ECS option to send upstream, or None for none.

    ``0.0.0.0/0`` (or ``::/0``) asks that no subnet be used. Any other subnet is forwarded only
    when ``forward`` (svc.dns.forward_client_subnet) is on, and refused otherwise: an answer that
    silently ignored it could be for the wrong place. Longer prefixes are cut to /24 and /56.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidQuery(
            f"edns_client_subnet {value!r} is not an IP address or subnet such as 192.0.2.0/24",
            parameter="edns_client_subnet",
        ) from None
    if network.prefixlen == 0:
        return dns.edns.ECSOption(str(network.network_address), 0) if forward else None
    if not forward:
        raise InvalidQuery(
            "edns_client_subnet is not forwarded by this server (svc.dns.forward_client_subnet is off); "
            "leave it out, or give 0.0.0.0/0",
            parameter="edns_client_subnet",
        )
    prefix = min(network.prefixlen, MAX_SUBNET_PREFIX[network.version])
    return dns.edns.ECSOption(str(network.supernet(new_prefix=prefix).network_address), prefix)


def question_from_params(params, forward_client_subnet=False):
    """The question of ``?name=&type=&cd=&do=&edns_client_subnet=``; type defaults to A.
    ``random_padding`` is accepted and ignored, as Google does (it only pads the URL)."""
    return Question(
        query_name(one_value(params, "name")),
        query_type(params.get("type", "A")),
        dnssec_ok=flag(params.get("do"), "do"),
        checking_disabled=flag(params.get("cd"), "cd"),
        client_subnet=parse_client_subnet(params.get("edns_client_subnet"), forward_client_subnet),
    )


def _records(section):
    return [
        {"name": rrset.name.to_text(), "type": int(rrset.rdtype), "TTL": rrset.ttl, "data": rdata.to_text()}
        for rrset in section
        for rdata in rrset
    ]


def answer_json(question, answer, recursion_desired=True):
    """``answer`` to ``question`` as JSON; empty sections are left out, as Google does.

    An answer too large for one DNS message raises AnswerTooLarge: an upstream that sends one broke the protocol.
    """
    if isinstance(answer.error, AnswerTooLarge):
        raise AnswerTooLarge(str(answer.error))
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
    if question.client_subnet is not None:
        body["edns_client_subnet"] = _subnet_text(question.client_subnet, message)
    if answer.error is not None:
        body["Comment"] = f"SERVFAIL from svc: {answer.error}"
    elif message.rcode() == dns.rcode.NXDOMAIN:
        body["Comment"] = f"{question.name.to_text()} does not exist (NXDOMAIN)"
    return body


def _subnet_text(asked, message):
    """The subnet sent, with upstream's scope (how widely the answer holds), as Google shows it."""
    echoed = next((o for o in message.options if o.otype == dns.edns.OptionType.ECS), None)
    scope = echoed.scopelen if echoed is not None else 0
    return f"{asked.address}/{scope}"
