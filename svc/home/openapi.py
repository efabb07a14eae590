"""OpenAPI paths of the home piece, relative to its mount."""
from svc.home.echo import METHODS as ECHO_METHODS
from svc.web.openapi import HTML, PROBLEM_RESPONSE, json_content

_TEXT = {"text/plain": {"schema": {"type": "string"}}}

PATHS = {
    "/": {
        "get": {
            "summary": "Index page: which pieces are mounted where",
            "responses": {"200": {"description": "HTML page", "content": HTML}},
        }
    },
    "/favicon.ico": {
        "get": {
            "summary": "The site's icon",
            "responses": {"200": {"description": "The icon", "content": {"image/x-icon": {"schema": {"type": "string"}}}}},
        }
    },
    "/hello": {
        "get": {
            "summary": "Greet someone",
            "parameters": [
                {"name": "name", "in": "query", "required": False, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "The greeting", "content": _TEXT},
            },
        }
    },
    "/hello/{name}": {
        "get": {
            "summary": "Greet the name in the path",
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "The greeting", "content": _TEXT}},
        }
    },
    "/echo": {
        method: {
            "summary": "The request as svc sees it after the auth filter (like httpbin's /anything)",
            "description": (
                "No sign-in needed; counted against svc.auth.anonymous_rate (signed in: signed_in_rate). "
                "Authorization and Cookie values are masked."
            ),
            "responses": {
                "200": {"description": "The request", "content": json_content("Echo")},
                "429": {**PROBLEM_RESPONSE, "description": "Past the rate; Retry-After says when to try again"},
            },
        }
        for method in map(str.lower, ECHO_METHODS)
    },
}

SCHEMAS = {
    "Echo": {
        "type": "object",
        "required": ["method", "scheme", "host", "path", "query", "args", "headers", "client", "mount"],
        "properties": {
            "method": {"type": "string"},
            "scheme": {"type": "string"},
            "host": {"type": "string"},
            "path": {"type": "string"},
            "query": {"type": "string"},
            "args": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "client": {"type": "string", "description": "The client address, through svc.auth.trusted_proxies"},
            "remote_user": {"type": ["string", "null"]},
            "request_id": {"type": ["string", "null"]},
            "mount": {"type": "string", "description": "Where home is mounted (SCRIPT_NAME)"},
        },
    },
}
