"""OpenAPI paths of the home piece, relative to its mount."""
from svc.web.openapi import HTML

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
}

SCHEMAS = {}
