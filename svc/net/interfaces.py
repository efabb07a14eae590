"""The host's network interfaces, as psutil reports them."""
import ipaddress
import socket

import psutil

_DUPLEX = {psutil.NIC_DUPLEX_FULL: "full", psutil.NIC_DUPLEX_HALF: "half"}


def prefix_length(netmask):
    """255.255.255.0 -> 24, ffff:ffff:ffff:ffff:: -> 64; None when there is no netmask."""
    if not netmask:
        return None
    return bin(int(ipaddress.ip_address(netmask))).count("1")


def _address(snic):
    return {
        "address": snic.address,
        "netmask": snic.netmask,
        "prefixlen": prefix_length(snic.netmask),
        "broadcast": snic.broadcast,
    }


def interfaces(addresses=None, stats=None):
    """One entry per interface, by name: MAC, IPv4 and IPv6 addresses, up, MTU, speed."""
    addresses = psutil.net_if_addrs() if addresses is None else addresses
    stats = psutil.net_if_stats() if stats is None else stats
    entries = []
    for name in sorted(set(addresses) | set(stats)):
        snics = addresses.get(name, [])
        stat = stats.get(name)
        macs = [s.address for s in snics if s.family == psutil.AF_LINK]
        entries.append(
            {
                "name": name,
                "mac": macs[0] if macs else None,
                "ipv4": [_address(s) for s in snics if s.family == socket.AF_INET],
                "ipv6": [_address(s) for s in snics if s.family == socket.AF_INET6],
                "up": stat.isup if stat else None,
                "mtu": stat.mtu if stat else None,
                # psutil says 0 when the driver does not know the speed
                "speed_mbps": (stat.speed or None) if stat else None,
                "duplex": _DUPLEX.get(stat.duplex) if stat else None,
                "flags": [f for f in (stat.flags.split(",") if stat and stat.flags else []) if f],
            }
        )
    return entries
