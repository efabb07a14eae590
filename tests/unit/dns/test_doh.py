import dns.message
import pytest

from svc.dns.doh import decode_dns_param, encode_dns_param
from svc.web.problems import Problem


def test_rfc_8484_example():
    # RFC 8484 section 4.1.1: www.example.com A, ID 0
    wire = decode_dns_param("AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB")
    query = dns.message.from_wire(wire)
    assert query.id == 0 and str(query.question[0].name) == "www.example.com."
    assert encode_dns_param(wire) == "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB"


@pytest.mark.parametrize(
    "value, status",
    [("AAAB+AAB", 400), ("AAAB/AAB", 400), ("AAABAA==", 400), ("AAA=", 400), ("A", 400), ("AAAA A", 400), ("A" * 87384, 413)],
)
def test_decode_refuses(value, status):
    with pytest.raises(Problem) as info:
        decode_dns_param(value)
    assert info.value.status == status


def test_every_length_round_trips():
    for size in range(0, 40):
        wire = bytes(range(size))
        assert decode_dns_param(encode_dns_param(wire)) == wire
