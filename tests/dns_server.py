"""A DNS server for the tests and the benchmark: a fixed test zone on 127.0.0.1, UDP and TCP.

It answers like a recursive resolver would (RA set, CNAME chains followed) and logs every
question it gets, so a test can prove a cache hit never reached it.

    python -m tests.dns_server [PORT]     serve until interrupted (the benchmark does this)
"""
import socketserver
import struct
import sys
import threading

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

TEST_ZONE = """
$TTL 300
@        3600 SOA  ns.test. hostmaster.test. 1 7200 900 1209600 60
@             NS   ns.test.
ns            A    127.0.0.1
a             A    192.0.2.1
dual          A    192.0.2.2
dual          AAAA 2001:db8::2
v6only        AAAA 2001:db8::6
chain1        CNAME chain2
chain2        CNAME chain3
chain3        CNAME a
mx            MX   10 mail
mail          A    192.0.2.25
ttl0     0    A    192.0.2.9
signed        A    192.0.2.30
xn--bcher-kva A    192.0.2.10
_sip._tcp     SRV  10 5 5060 a
""" + "".join(f"bigtxt TXT \"{i:02d}{'x' * 198}\"\n" for i in range(30)) + "".join(
    f"huge TXT \"{i:03d}{'x' * 197}\"\n" for i in range(290)  # about 61 KB: near the 65535-byte ceiling
) + "".join(
    f"uncompressible SRV 0 0 {port} {'t' * 63}.{'u' * 63}.{'v' * 63}.test.\n" for port in range(1, 321)
)

REVERSE_ZONE = """
$TTL 600
@    3600 SOA  ns.test. hostmaster.test. 1 7200 900 1209600 60
@         NS   ns.test.
1         PTR  a.test.
2         PTR  dual.test.
2         PTR  dual-alias.test.
"""

# Names under bench.test. all exist (A only), so the benchmark can ask for fresh names forever.
WILDCARD = dns.name.from_text("bench.test.")
WILDCARD_ADDRESS = "198.51.100.7"
# Never answered: every name at or under silent.test, and the PTR name of 192.0.2.99
SILENT = {dns.name.from_text("silent.test."), dns.name.from_text("99.2.0.192.in-addr.arpa.")}
# Sent with its SRV targets compressed, which RFC 2782 forbids but every parser reads; re-encoded
# by the book (dnspython never compresses SRV targets) it no longer fits a DNS message.
UNCOMPRESSIBLE = dns.name.from_text("uncompressible.test.")
SERVFAIL = dns.name.from_text("servfail.test.")  # always SERVFAIL
REFUSED = dns.name.from_text("97.2.0.192.in-addr.arpa.")  # always REFUSED
SIGNED = dns.name.from_text("signed.test.")  # answered AD, as a validating resolver does, when DO or AD is asked

ZONES = [
    dns.zone.from_text(TEST_ZONE, origin="test.", relativize=False),
    dns.zone.from_text(REVERSE_ZONE, origin="2.0.192.in-addr.arpa.", relativize=False),
]


def _zone_for(name):
    matches = [z for z in ZONES if name.is_subdomain(z.origin)]
    return max(matches, key=lambda z: len(z.origin), default=None)


def _soa(zone):
    return zone.find_rrset(zone.origin, dns.rdatatype.SOA)


def answer(query):
    """The response to ``query``, or None for a question that is never answered."""
    response = dns.message.make_response(query, recursion_available=True, our_payload=1232)
    response.flags |= query.flags & dns.flags.CD
    if not query.question:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    name, rdtype = question.name, question.rdtype
    if any(name.is_subdomain(silent) for silent in SILENT):
        return None
    if name in (SERVFAIL, REFUSED):
        response.set_rcode(dns.rcode.SERVFAIL if name == SERVFAIL else dns.rcode.REFUSED)
        return response
    if name.is_subdomain(WILDCARD) and name != WILDCARD:
        response.flags |= dns.flags.AA
        if rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(name, 300, "IN", "A", WILDCARD_ADDRESS))
        else:
            response.authority.append(_soa(ZONES[0]))
        return response
    zone = _zone_for(name)
    if zone is None or question.rdclass != dns.rdataclass.IN:  # as if the root said so
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response
    response.flags |= dns.flags.AA
    for _ in range(8):  # follow a CNAME chain, as a recursive resolver does
        node = zone.get_node(name)
        if node is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(_soa(zone))
            return response
        rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
        if name == SIGNED and (query.ednsflags & dns.flags.DO or query.flags & dns.flags.AD):
            response.flags |= dns.flags.AD
        if rdataset is not None:
            response.answer.append(dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset)))
            return response
        cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is None:
            response.authority.append(_soa(zone))
            return response
        response.answer.append(dns.rrset.from_rdata_list(name, cname.ttl, list(cname)))
        name = cname[0].target
    return response


class DNSServer:
    """UDP and TCP on one port of 127.0.0.1, each served by its own thread."""

    def __init__(self, port=0):
        self.queries = []  # (name, type mnemonic, "udp" or "tcp", client subnet or None), in order
        self._lock = threading.Lock()
        self.udp = _UDPServer(("127.0.0.1", port), _UDPHandler)
        self.udp.dns = self
        self.port = self.udp.server_address[1]
        try:
            self.tcp = _TCPServer(("127.0.0.1", self.port), _TCPHandler)
        except OSError:
            self.udp.server_close()
            raise
        self.tcp.dns = self
        self.address = f"127.0.0.1:{self.port}"
        self._threads = [
            threading.Thread(target=s.serve_forever, name=f"test-dns-{n}", daemon=True)
            for n, s in (("udp", self.udp), ("tcp", self.tcp))
        ]

    def start(self):
        for thread in self._threads:
            thread.start()
        return self

    def stop(self):
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()

    def clear(self):
        with self._lock:
            self.queries.clear()

    def count(self, name, rdtype="A"):
        """How many times the question reached this server, over either transport."""
        wanted = dns.name.from_text(name)
        with self._lock:
            return sum(1 for n, t, *_ in self.queries if n == wanted and t == rdtype)

    def handle(self, wire, transport):
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if query.question:
            q = query.question[0]
            subnet = next((o.to_text() for o in query.options if o.otype == dns.edns.OptionType.ECS), None)
            with self._lock:
                self.queries.append((q.name, dns.rdatatype.to_text(q.rdtype), transport, subnet))
        response = answer(query)
        if response is None:
            return None
        limit = 65535
        if transport == "udp":
            limit = max(512, query.payload) if query.edns >= 0 else 512
        try:
            if response.question and response.question[0].name == UNCOMPRESSIBLE and response.answer:
                return _with_compressed_srv_targets(response, limit)
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            truncated = dns.message.make_response(query, recursion_available=True, our_payload=1232)
            truncated.flags |= dns.flags.TC | dns.flags.AA
            return truncated.to_wire()


def _with_compressed_srv_targets(response, limit):
    """The wire form of ``response`` (one SRV RRset, no EDNS) with every target after the first a
    compression pointer to the first."""
    (rrset,) = response.answer
    response.answer = []
    response.use_edns(False)
    wire = bytearray(response.to_wire())
    target_at = None
    for rdata in rrset:
        if target_at is None:
            target_at = len(wire) + 12 + 6  # after owner, type, class, TTL, length; and the SRV numbers
            target = rdata.target.to_wire()
        else:
            target = struct.pack("!H", 0xC000 | target_at)
        rdata_wire = struct.pack("!HHH", rdata.priority, rdata.weight, rdata.port) + target
        wire += struct.pack("!HHHIH", 0xC00C, rrset.rdtype, rrset.rdclass, rrset.ttl, len(rdata_wire)) + rdata_wire
    wire[6:8] = struct.pack("!H", len(rrset))
    if len(wire) > limit:
        raise dns.exception.TooBig
    return bytes(wire)


class _UDPServer(socketserver.UDPServer):
    allow_reuse_address = True


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        wire, sock = self.request
        reply = self.server.dns.handle(wire, "udp")
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TCPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(30)
        try:
            while True:
                header = self._read(2)
                if header is None:
                    return
                wire = self._read(struct.unpack("!H", header)[0])
                if wire is None:
                    return
                reply = self.server.dns.handle(wire, "tcp")
                if reply is not None:
                    self.request.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.request.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data


def _bind_both(port):
    """A server whose UDP and TCP share a port (a free UDP port may be taken for TCP: retry)."""
    for _ in range(20):
        try:
            return DNSServer(port)
        except OSError:
            if port:
                raise
    raise OSError("no port free for both UDP and TCP")


def start(port=0):
    return _bind_both(port).start()


if __name__ == "__main__":
    server = start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.address, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
