"""RFC 8484 DNS over HTTPS: the query from a GET or a POST, and the reply in wire format."""
import base64
import re
import struct
import threading
import time
from collections import OrderedDict

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.opcode

from svc.dns.cache import ENTRY_OVERHEAD
from svc.dns.errors import InvalidQuery, QueryTooLarge, UnsupportedContent
from svc.dns.names import REFUSED_TYPES
from svc.dns.resolver import Question, servfail
from svc.dns.upstream import MAX_MESSAGE, AnswerTooLarge

DNS_MESSAGE = "application/dns-message"
DNS_JSON = "application/dns-json"
HEADER_LENGTH = 12
REPLY_EDNS_PAYLOAD = 4096
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def too_large(size):
    return QueryTooLarge(f"the DNS message is {size} bytes; at most {MAX_MESSAGE}")


def decode_dns_param(value):
    """The DNS message in a GET's ``dns`` parameter: base64url without padding (RFC 8484 4.1)."""
    if not _BASE64URL.match(value):
        raise InvalidQuery(
            "dns is not base64url without padding: use only A-Z a-z 0-9 - _ (no +, / or =)",
            parameter="dns",
        )
    if len(value) % 4 == 1:
        raise InvalidQuery(f"dns is not valid base64url: {len(value)} characters", parameter="dns")
    size = len(value) * 3 // 4
    if size > MAX_MESSAGE:
        raise too_large(size)
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def encode_dns_param(wire):
    """The ``dns`` parameter for ``wire``, as a DoH client sends it."""
    return base64.urlsafe_b64encode(wire).rstrip(b"=").decode("ascii")


def read_post_body(request):
    """The raw message of a POST: ``application/dns-message``, at most 65535 bytes.

    A declared length over the limit is refused before a byte is read, and the read is bounded
    whatever the header says.
    """
    if request.content_type != DNS_MESSAGE:
        raise UnsupportedContent(
            f"POST a DNS message as {DNS_MESSAGE}, not {request.content_type or 'no content type'}",
            accepted=DNS_MESSAGE,
        )
    declared = request.content_length
    if declared is not None and declared > MAX_MESSAGE:
        raise too_large(declared)
    body = request.body_file.read(MAX_MESSAGE + 1)
    if len(body) > MAX_MESSAGE:
        raise too_large(f"over {MAX_MESSAGE}")
    return body


def parse_query(wire):
    """A standard query with one question, or InvalidQuery saying what is wrong with ``wire``."""
    if not wire:
        raise InvalidQuery("the DNS message is empty")
    if len(wire) < HEADER_LENGTH:
        raise InvalidQuery(
            f"the DNS message is {len(wire)} bytes, shorter than the {HEADER_LENGTH}-byte header"
        )
    flags, qdcount = struct.unpack("!H H", wire[2:6])
    if flags & dns.flags.QR:
        raise InvalidQuery("the DNS message is a response (QR set), not a query")
    opcode = dns.opcode.from_flags(flags)
    if opcode != dns.opcode.QUERY:
        raise InvalidQuery(f"opcode {dns.opcode.to_text(opcode)} is not served; only QUERY is")
    if qdcount != 1:
        raise InvalidQuery(f"the DNS message has {qdcount} questions; a query has exactly one")
    try:
        query = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, UnicodeError) as exc:
        raise InvalidQuery(f"the DNS message is malformed: {exc or type(exc).__name__}") from None
    rdtype = query.question[0].rdtype
    if rdtype in REFUSED_TYPES:
        raise InvalidQuery(f"{rdtype.name} is a meta type that is not resolved here")
    return query


def question_of(query, forward_client_subnet=False):
    """What to ask upstream for ``query``; its client subnet only when forwarding is allowed."""
    question = query.question[0]
    subnet = None
    if forward_client_subnet:
        subnet = next((o for o in query.options if o.otype == dns.edns.OptionType.ECS), None)
    return Question(
        question.name,
        question.rdtype,
        question.rdclass,
        dnssec_ok=bool(query.ednsflags & dns.flags.DO),
        checking_disabled=bool(query.flags & dns.flags.CD),
        client_subnet=subnet,
    )


def reply_wire(query, answer):
    """The reply to ``query`` carrying ``answer``: the query's ID and question, never truncated.

    EDNS is used when the query used it; then upstream's extended errors are passed on, and a
    SERVFAIL of ours says why in an extended error (RFC 8914).
    """
    try:
        return _reply(query, answer).to_wire(max_size=MAX_MESSAGE)
    except dns.exception.TooBig:
        # RFC 8484 5.1 allows a TC reply or a failure; TC would invite a retry over a transport
        # with the same 65535-byte ceiling, so a SERVFAIL says plainly why instead.
        error = AnswerTooLarge(f"the reply is over {MAX_MESSAGE} bytes, too large for one DNS message")
        return _reply(query, servfail(query, error)).to_wire(max_size=MAX_MESSAGE)


def _reply(query, answer):
    upstream = answer.message
    reply = dns.message.make_response(query, our_payload=REPLY_EDNS_PAYLOAD)
    reply.flags |= (query.flags & dns.flags.CD) | (upstream.flags & (dns.flags.RA | dns.flags.AD))
    reply.set_rcode(upstream.rcode())
    reply.answer = upstream.answer
    reply.authority = upstream.authority
    reply.additional = upstream.additional
    if query.edns >= 0:
        options = [o for o in upstream.options if o.otype == dns.edns.OptionType.EDE]
        if answer.error is not None:
            options.append(dns.edns.EDEOption(answer.error.ede, str(answer.error)[:200]))
        flags = query.ednsflags & dns.flags.DO
        reply.use_edns(0, flags, REPLY_EDNS_PAYLOAD, options=options, pad=reply.pad)
    return reply


def cache_control(answer):
    """``max-age`` of the answer's remaining lifetime; ``no-store`` when it has none."""
    return f"max-age={answer.lifetime}" if answer.lifetime > 0 else "no-store"


def reply_key(query, question):
    """What a wire reply to ``query`` depends on, besides its ID and the cached answer.

    That is the question as sent (its case is echoed), RD and CD, whether EDNS, DO and padding
    were asked for, and the client subnet when svc forwards it. Options svc drops (cookies,
    unknown ones) change nothing in the reply, so they make no new key.
    """
    asked = query.question[0]
    padded = any(o.otype == dns.edns.OptionType.PADDING for o in query.options)
    edns = (query.edns >= 0) | bool(query.ednsflags & dns.flags.DO) << 1 | padded << 2
    subnet = question.client_subnet.to_wire() if question.client_subnet else b""
    flags = query.flags & (dns.flags.RD | dns.flags.CD)
    return asked.name.to_wire() + struct.pack("!HHHB", asked.rdtype, asked.rdclass, flags, edns) + subnet


class ReplyMemo:
    """Finished wire replies to cached answers, by ``reply_key``.

    A reply is fully decided by its key and the cached answer's age in whole seconds, so until
    that age ticks over, the same question gets the same bytes with its own ID, skipping the
    answer's parsing and the reply's encoding. Bounded by ``max_entries`` and ``max_bytes``
    (keys, replies and ENTRY_OVERHEAD each). Every entry is stale within a second of its arrival,
    so the first in is the first out, and stale entries leave from the front.

    Per process: N worker processes hold N memos, each within these bounds.
    """

    def __init__(self, max_entries, max_bytes, clock=None):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0  # what the entries count for now
        self._clock = clock or time.monotonic
        self._entries = OrderedDict()  # key -> (reply after the ID, Cache-Control, fresh_until)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def get(self, key, query_id):
        """``(reply bytes with ``query_id``, Cache-Control)`` for ``key``, or None."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            reply, control, fresh_until = entry
            if now >= fresh_until:
                self._drop(key)
                return None
        return struct.pack("!H", query_id) + reply, control

    def put(self, key, reply_wire, answer):
        """Keep ``reply_wire`` when ``answer`` came from the cache and may still be reused."""
        reply = reply_wire[2:]
        size = len(key) + len(reply) + ENTRY_OVERHEAD
        if answer.fresh_until is None or answer.lifetime <= 0 or self.max_entries <= 0 or size > self.max_bytes:
            return
        now = self._clock()
        with self._lock:
            while self._entries and now >= next(iter(self._entries.values()))[2]:
                self._drop(next(iter(self._entries)))
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (reply, cache_control(answer), answer.fresh_until)
            self.bytes += size
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        reply, _, _ = self._entries.pop(key)
        self.bytes -= len(key) + len(reply) + ENTRY_OVERHEAD
