"""The host's primary MAC address, as ``uuid.getnode()`` finds it, and the kernel's own list."""
import os
import uuid

MULTICAST_BIT = 1 << 40  # set by getnode() when it fell back to a random number (RFC 4122 4.5)
LOCAL_BIT = 1 << 41  # set in locally administered addresses (not burnt in by the vendor)
SYSFS_NET = "/sys/class/net"


def format_mac(node):
    return ":".join(f"{(node >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def sysfs_addresses(root=SYSFS_NET):
    """``[{"name", "address"}]`` from ``/sys/class/net/*/address``; empty where there is no sysfs."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for name in names:
        try:
            with open(os.path.join(root, name, "address")) as f:
                address = f.read().strip()
        except OSError:
            continue
        if address:
            found.append({"name": name, "address": address})
    return found


def primary_mac(getnode=uuid.getnode, root=SYSFS_NET):
    """The node ``getnode`` gives, whether it is random, and where it came from.

    ``source`` is ``random`` when the multicast bit says getnode made the number up,
    ``interface`` when an interface in sysfs has that address (named in ``interface``),
    and ``system`` when getnode found it some other way (libuuid, ``ip link``, ...).
    """
    node = getnode()
    mac = format_mac(node)
    listed = sysfs_addresses(root)
    owner = next((entry["name"] for entry in listed if entry["address"].lower() == mac), None)
    random = bool(node & MULTICAST_BIT)
    return {
        "mac": mac,
        "node": node,
        "random": random,
        "locally_administered": bool(node & LOCAL_BIT),
        "source": "random" if random else ("interface" if owner else "system"),
        "interface": owner,
        "interfaces": listed,
    }
