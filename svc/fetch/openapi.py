"""OpenAPI paths of the fetch piece, relative to its mount."""
from svc.fetch import errors
from svc.fetch.request import METHODS
from svc.web.openapi import query_param

_PROBLEMS = ", ".join(f"{e.slug} ({e.status})" for e in errors.ALL)
_PASSED_THROUGH = {
    "description": (
        "The upstream's answer passed through: its status (4xx and 5xx included), its headers "
        "without hop-by-hop ones, and its body as sent, streamed. X-Fetch-Final-URL and "
        "X-Fetch-Redirects tell where the redirects ended."
    ),
    "content": {"*/*": {"schema": {}}},
}
_URL_PARAM = query_param(
    "url", "The absolute http or https URL to fetch (percent-encode it). Without it a browser gets a form."
)
_PATH_URL = {
    "name": "target",
    "in": "path",
    "required": True,
    "description": "An absolute http or https URL, slashes included",
    "schema": {"type": "string"},
}
_ERRORS = f"Errors of svc itself are problem+json: invalid-request (400), {_PROBLEMS}."
_PREFLIGHT = {
    "summary": "CORS preflight (answered for the origins in svc.fetch.cors_origins)",
    "responses": {"204": {"description": "No content"}},
}

PATHS = {
    "/": {
        "get": {
            "summary": "Fetch a URL and pass the answer through",
            "description": "Nothing of the caller's request but the URL goes upstream. " + _ERRORS,
            "parameters": [_URL_PARAM],
            "responses": {
                "200": {
                    "description": _PASSED_THROUGH["description"] + " Without url, an HTML form.",
                    "content": {"*/*": {"schema": {}}, "text/html": {"schema": {"type": "string"}}},
                },
            },
        },
        "post": {
            "summary": "Fetch with a method, headers, a body and limits; passthrough or an envelope",
            "description": _ERRORS,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FetchRequest"}}},
            },
            "responses": {
                "200": {
                    "description": "With envelope: true, the answer as JSON; otherwise passed through.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/FetchEnvelope"}},
                        "*/*": {"schema": {}},
                    },
                },
            },
        },
        "options": _PREFLIGHT,
    },
    "/{target}": {
        "get": {
            "summary": "Fetch the absolute URL written after the mount: /fetch/https://host/path?q=1",
            "description": "The query string belongs to the URL. " + _ERRORS,
            "parameters": [_PATH_URL],
            "responses": {"200": _PASSED_THROUGH},
        },
        "options": {**_PREFLIGHT, "parameters": [_PATH_URL]},
    },
}

_SECONDS = {"type": "number", "exclusiveMinimum": 0, "description": "Seconds; at most the server's setting"}
_MS = {"type": "number", "minimum": 0}

SCHEMAS = {
    "FetchRequest": {
        "type": "object",
        "required": ["url"],
        "additionalProperties": False,
        "properties": {
            "url": {"type": "string", "description": "An absolute http or https URL, without user:password@"},
            "method": {"type": "string", "enum": list(METHODS), "default": "GET"},
            "headers": {
                "type": "object",
                "description": "Sent upstream as they are; a list sends the header once per value",
                "additionalProperties": {
                    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                },
            },
            "data": {
                "description": "A string sent as it is, or form fields sent urlencoded",
                "oneOf": [
                    {"type": "string"},
                    {"type": "object", "additionalProperties": {"type": "string"}},
                    {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "prefixItems": [{"type": "string"}, {"type": "string"}],
                            "minItems": 2,
                            "maxItems": 2,
                        },
                    },
                ],
            },
            "json": {"description": "Any JSON value, sent as application/json"},
            "timeout": {
                "description": "A number is the whole fetch's deadline; or each limit on its own",
                "oneOf": [
                    _SECONDS,
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"connect": _SECONDS, "read": _SECONDS, "total": _SECONDS},
                    },
                ],
            },
            "follow_redirects": {"type": "boolean", "default": True},
            "max_redirects": {"type": "integer", "minimum": 0, "description": "At most svc.fetch.max_redirects"},
            "envelope": {"type": "boolean", "default": False},
        },
    },
    "FetchEnvelope": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status", "headers", "body", "body_base64", "final_url", "redirects", "timings_ms"],
        "properties": {
            "status": {"type": "integer", "description": "The upstream's status, 4xx and 5xx included"},
            "headers": {
                "type": "object",
                "description": "Lower-cased names, each with its values in order",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "body": {"type": "string", "description": "Decoded (Content-Encoding undone); base64 when not text"},
            "body_base64": {"type": "boolean"},
            "final_url": {"type": "string"},
            "redirects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["status", "url"],
                    "properties": {"status": {"type": "integer"}, "url": {"type": "string"}},
                },
            },
            "timings_ms": {
                "type": "object",
                "description": (
                    "Milliseconds. dns, connect and tls are the final hop's phases (0 when a "
                    "connection was reused); ttfb runs from the final hop's start to its first "
                    "byte; total is the whole fetch, redirects included."
                ),
                "required": ["dns", "connect", "tls", "ttfb", "total"],
                "properties": {"dns": _MS, "connect": _MS, "tls": _MS, "ttfb": _MS, "total": _MS},
            },
        },
    },
}
