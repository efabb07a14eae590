"""OpenAPI paths of the net piece, relative to its mount."""
from svc.web.openapi import html_page, json_content

PATHS = {
    "/": html_page("This host's interfaces and MAC address, for people"),
    "/interfaces": {
        "get": {
            "summary": "One entry per network interface (psutil)",
            "responses": {"200": {"description": "The interfaces", "content": json_content("Interfaces")}},
        }
    },
    "/mac": {
        "get": {
            "summary": "The primary MAC address from uuid.getnode(), and /sys/class/net/*/address",
            "responses": {"200": {"description": "The MAC address", "content": json_content("MAC")}},
        }
    },
}

_NULLABLE_STRING = {"type": ["string", "null"]}
_ADDRESS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["address", "netmask", "prefixlen", "broadcast"],
    "properties": {
        "address": {"type": "string"},
        "netmask": _NULLABLE_STRING,
        "prefixlen": {"type": ["integer", "null"], "minimum": 0, "maximum": 128},
        "broadcast": _NULLABLE_STRING,
    },
}

SCHEMAS = {
    "Interfaces": {
        "type": "object",
        "additionalProperties": False,
        "required": ["interfaces"],
        "properties": {
            "interfaces": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "mac", "ipv4", "ipv6", "up", "mtu", "speed_mbps", "duplex", "flags"],
                    "properties": {
                        "name": {"type": "string"},
                        "mac": _NULLABLE_STRING,
                        "ipv4": {"type": "array", "items": _ADDRESS},
                        "ipv6": {"type": "array", "items": _ADDRESS},
                        "up": {"type": ["boolean", "null"]},
                        "mtu": {"type": ["integer", "null"]},
                        "speed_mbps": {"type": ["integer", "null"], "description": "null when unknown"},
                        "duplex": {"enum": ["full", "half", None]},
                        "flags": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    },
    "MAC": {
        "type": "object",
        "additionalProperties": False,
        "required": ["mac", "node", "random", "locally_administered", "source", "interface", "interfaces"],
        "properties": {
            "mac": {"type": "string", "pattern": "^([0-9a-f]{2}:){5}[0-9a-f]{2}$"},
            "node": {"type": "integer", "minimum": 0},
            "random": {"type": "boolean", "description": "getnode() found no address and made one up"},
            "locally_administered": {"type": "boolean"},
            "source": {"enum": ["random", "interface", "system"]},
            "interface": _NULLABLE_STRING,
            "interfaces": {
                "type": "array",
                "description": "/sys/class/net/*/address where the host has sysfs",
                "items": {
                    "type": "object",
                    "required": ["name", "address"],
                    "properties": {"name": {"type": "string"}, "address": {"type": "string"}},
                },
            },
        },
    },
}
