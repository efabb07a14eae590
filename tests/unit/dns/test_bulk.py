import csv
import io
import socket
import threading

import pytest

from svc.dns.bulk import _cell, _row, csv_rows
from svc.dns.errors import LookupBusy, LookupTimeout
from svc.dns.lookup import HostLookup, lookup_host


@pytest.mark.parametrize(
    "text, cell",
    [
        ("a.test", "a.test"),
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("a\x00b", "a\\x00b"),
        ("a\x1bb\x7f", "a\\x1bb\\x7f"),
        ("\t=1", "\\x09=1"),
    ],
)
def test_cells_are_safe_for_spreadsheets(text, cell):
    assert _cell(text) == cell


def test_rows_quote_commas_and_quotes():
    assert _row(("a,b", 'say "hi"', "", "x")) == '"a,b","say ""hi""",,x\r\n'


class GatedBackend:
    """Names starting with ``stuck`` hang until ``gate`` is set; the others answer at once."""

    def __init__(self):
        self.gate = threading.Event()
        self.asked = []

    def __call__(self, name, family):
        self.asked.append(name)
        if name.startswith("stuck"):
            self.gate.wait(10)
        return [(socket.AF_INET, "192.0.2.1")]


def rows(lookup, names, window, deadline):
    body = b"".join(csv_rows(lookup, [n.encode() for n in names], socket.AF_UNSPEC, False, window, deadline))
    return list(csv.reader(io.StringIO(body.decode())))[1:]


def test_a_stuck_lookup_counts_against_its_bulks_share_until_the_deadline():
    backend = GatedBackend()
    lookup = HostLookup(backend, 4, 0.1)
    try:
        result = rows(lookup, ["stuck.test", "ok.test", "192.0.2.9", "ok2.test"], window=1, deadline=0.5)
        assert result[0][0] == "stuck.test" and "within 0.1 s" in result[0][3]
        assert [row[3] for row in result[1:]] == ["timeout: the bulk deadline of 0.5 s passed"] * 3
        assert backend.asked == ["stuck.test"]
        assert lookup_host(lookup, "single.test")["address"] == "192.0.2.1"
    finally:
        backend.gate.set()


def test_bulks_together_never_take_the_single_lookups_workers():
    backend = GatedBackend()
    lookup = HostLookup(backend, 3, 0.1, bulk_workers=2)
    try:
        for _ in range(2):
            rows(lookup, ["stuck1.test", "stuck2.test"], window=2, deadline=0.2)
        assert backend.asked == ["stuck1.test", "stuck2.test"]
        assert lookup_host(lookup, "single.test")["address"] == "192.0.2.1"
        with pytest.raises(LookupTimeout):
            lookup_host(lookup, "stuck3.test")  # now the last worker is stuck too
        with pytest.raises(LookupBusy):
            lookup_host(lookup, "other.test")
    finally:
        backend.gate.set()


def test_rows_in_time_are_answered_as_before():
    lookup = HostLookup(GatedBackend(), 4, 1)
    assert rows(lookup, ["a.test", "bad name", "b.test"], window=2, deadline=10) == [
        ["a.test", "4", "192.0.2.1", ""],
        ["bad name", "", "", "host is not a valid host name: 'bad name'"],
        ["b.test", "4", "192.0.2.1", ""],
    ]
