import socket
from collections import namedtuple

import psutil
import pytest

from svc.net.interfaces import interfaces, prefix_length

# The shapes of psutil.net_if_addrs() and psutil.net_if_stats() entries.
snicaddr = namedtuple("snicaddr", "family address netmask broadcast ptp")
snicstats = namedtuple("snicstats", "isup duplex speed mtu flags")


@pytest.mark.parametrize(
    "netmask, length",
    [("255.255.255.0", 24), ("255.0.0.0", 8), ("ffff:ffff:ffff:ffff::", 64), ("ffff:" * 7 + "ffff", 128), (None, None)],
)
def test_prefix_length(netmask, length):
    assert prefix_length(netmask) == length


def test_one_entry_per_interface_from_psutil():
    addresses = {
        "eth0": [
            snicaddr(socket.AF_INET, "192.0.2.2", "255.255.255.0", "192.0.2.255", None),
            snicaddr(socket.AF_INET6, "fe80::1%eth0", "ffff:ffff:ffff:ffff::", None, None),
            snicaddr(psutil.AF_LINK, "02:00:00:00:00:01", None, "ff:ff:ff:ff:ff:ff", None),
        ],
        "tun0": [snicaddr(socket.AF_INET, "10.8.0.1", "255.255.255.255", None, "10.8.0.2")],
    }
    stats = {
        "eth0": snicstats(True, psutil.NIC_DUPLEX_FULL, 1000, 1500, "up,broadcast,running"),
        "tun0": snicstats(False, psutil.NIC_DUPLEX_UNKNOWN, 0, 1400, ""),
        "idle": snicstats(False, psutil.NIC_DUPLEX_UNKNOWN, 0, 1500, "broadcast"),
    }
    assert interfaces(addresses, stats) == [
        {
            "name": "eth0",
            "mac": "02:00:00:00:00:01",
            "ipv4": [{"address": "192.0.2.2", "netmask": "255.255.255.0", "prefixlen": 24, "broadcast": "192.0.2.255"}],
            "ipv6": [{"address": "fe80::1%eth0", "netmask": "ffff:ffff:ffff:ffff::", "prefixlen": 64, "broadcast": None}],
            "up": True,
            "mtu": 1500,
            "speed_mbps": 1000,
            "duplex": "full",
            "flags": ["up", "broadcast", "running"],
        },
        {
            "name": "idle",
            "mac": None,
            "ipv4": [],
            "ipv6": [],
            "up": False,
            "mtu": 1500,
            "speed_mbps": None,
            "duplex": None,
            "flags": ["broadcast"],
        },
        {
            "name": "tun0",
            "mac": None,
            "ipv4": [{"address": "10.8.0.1", "netmask": "255.255.255.255", "prefixlen": 32, "broadcast": None}],
            "ipv6": [],
            "up": False,
            "mtu": 1400,
            "speed_mbps": None,
            "duplex": None,
            "flags": [],
        },
    ]


def test_an_interface_without_stats():
    entry = interfaces({"x": []}, {})[0]
    assert (entry["up"], entry["mtu"], entry["speed_mbps"], entry["duplex"]) == (None, None, None, None)
