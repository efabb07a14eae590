"""OpenAPI paths of the dns piece, relative to its mount."""
from svc.web.openapi import html_page, json_content, query_param


_FAMILY = query_param(
    "family",
    "Preferred address family: 4, 6 or any (the default)",
    schema={"type": "string", "enum": ["4", "6", "any"]},
)
_STRICT = query_param(
    "strict",
    "true: only the preferred family; false (the default): fall back to the other",
    schema={"type": "string", "enum": ["true", "false", "1", "0"]},
)
_FLAG = {"type": "string", "enum": ["0", "1", "true", "false"]}
_NAME_QUERY = [
    query_param("name", "The domain name; IDN allowed", required=True),
    query_param("type", "Record type: a mnemonic in any case (AAAA) or a number 1..65535; default A"),
    query_param("cd", "Checking disabled: 1 to skip DNSSEC validation", schema=_FLAG),
    query_param("do", "DNSSEC OK: 1 to ask for DNSSEC records", schema=_FLAG),
    query_param(
        "edns_client_subnet",
        "A subnet (192.0.2.0/24) to send upstream as EDNS client subnet, only where "
        "svc.dns.forward_client_subnet is on (else 400); 0.0.0.0/0 asks for none",
    ),
]
_WIRE = {"application/dns-message": {"schema": {"type": "string", "format": "binary"}}}
_CSV = {"text/csv": {"schema": {"type": "string"}}}

PATHS = {
    "/": html_page("Forms for lookups, reverse lookups, DNS queries and bulk lookups"),
    "/lookup": {
        "get": {
            "summary": "The addresses of a host, as the system resolver (getaddrinfo) sees them",
            "parameters": [
                query_param("host", "A name, an IP literal, host:port, [v6]:port or a whole URL", required=True),
                _FAMILY,
                _STRICT,
            ],
            "responses": {
                "200": {"description": "Every address, and the preferred one", "content": json_content("Lookup")},
            },
        }
    },
    "/reverse": {
        "get": {
            "summary": "The PTR names of an IP address",
            "parameters": [query_param("ip", "An IPv4 or IPv6 address", required=True)],
            "responses": {"200": {"description": "The PTR names", "content": json_content("Reverse")}},
        }
    },
    "/resolve": {
        "get": {
            "summary": "Resolve a DNS question; JSON as Google's and Cloudflare's DNS APIs give it",
            "parameters": [
                *_NAME_QUERY,
                query_param("ct", "application/dns-message for the wire format; JSON otherwise"),
                query_param("random_padding", "Ignored: pads the URL so its length tells nothing"),
            ],
            "responses": {
                "200": {"description": "The DNS answer", "content": {**json_content("DNSAnswer"), **_WIRE}},
            },
        }
    },
    "/dns-query": {
        "get": {
            "summary": "DNS over HTTPS (RFC 8484); JSON with Accept: application/dns-json",
            "parameters": [
                query_param(
                    "dns",
                    "A DNS query message in base64url without padding",
                    schema={"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
                ),
                *[{**p, "required": False} for p in _NAME_QUERY],
            ],
            "responses": {
                "200": {
                    "description": "The DNS reply (the query's ID and question); SERVFAIL when upstream failed",
                    "content": {**_WIRE, **json_content("DNSAnswer", "application/dns-json"), **json_content("DNSAnswer")},
                }
            },
        },
        "post": {
            "summary": "DNS over HTTPS (RFC 8484): the query message as the body",
            "requestBody": {"required": True, "content": _WIRE},
            "responses": {
                "200": {
                    "description": "The DNS reply",
                    "content": {**_WIRE, **json_content("DNSAnswer", "application/dns-json"), **json_content("DNSAnswer")},
                }
            },
        },
    },
    "/bulk": {
        "post": {
            "summary": "Look up many hosts: one per line in, CSV (name,family,address,error) streamed out",
            "parameters": [_FAMILY, _STRICT],
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string"}},
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    },
                },
            },
            "responses": {"200": {"description": "One row per name, in input order", "content": _CSV}},
        }
    },
}

_RECORD = {
    "type": "object",
    "required": ["name", "type", "TTL", "data"],
    "properties": {
        "name": {"type": "string"},
        "type": {"type": "integer", "minimum": 1, "maximum": 65535},
        "TTL": {"type": "integer", "minimum": 0},
        "data": {"type": "string"},
    },
}
_RECORDS = {"type": "array", "items": {"$ref": "#/components/schemas/DNSRecord"}}
_ADDRESS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["address", "family"],
    "properties": {"address": {"type": "string"}, "family": {"enum": [4, 6]}},
}

SCHEMAS = {
    "Lookup": {
        "type": "object",
        "additionalProperties": False,
        "required": ["host", "name", "address", "family", "addresses"],
        "properties": {
            "host": {"type": "string", "description": "As given"},
            "name": {"type": "string", "description": "What was looked up: IDN as A-labels"},
            "address": {"type": "string", "description": "The first address of the preferred family"},
            "family": {"enum": [4, 6]},
            "addresses": {"type": "array", "items": _ADDRESS, "minItems": 1},
        },
    },
    "Reverse": {
        "type": "object",
        "additionalProperties": False,
        "required": ["ip", "name", "names", "ttl"],
        "properties": {
            "ip": {"type": "string"},
            "name": {"type": "string", "description": "The in-addr.arpa or ip6.arpa name"},
            "names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "ttl": {"type": "integer", "minimum": 0},
        },
    },
    "DNSRecord": _RECORD,
    "DNSAnswer": {
        "type": "object",
        "additionalProperties": False,
        "required": ["Status", "TC", "RD", "RA", "AD", "CD", "Question"],
        "properties": {
            "Status": {"type": "integer", "description": "The RCODE: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN"},
            "TC": {"type": "boolean"},
            "RD": {"type": "boolean"},
            "RA": {"type": "boolean"},
            "AD": {"type": "boolean"},
            "CD": {"type": "boolean"},
            "Question": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "type"],
                    "properties": {"name": {"type": "string"}, "type": {"type": "integer"}},
                },
            },
            "Answer": _RECORDS,
            "Authority": _RECORDS,
            "Additional": _RECORDS,
            "Comment": {"type": "string"},
            "edns_client_subnet": {"type": "string", "description": "The subnet sent upstream / its scope"},
        },
    },
}
