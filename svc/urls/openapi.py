"""OpenAPI paths of the urls piece, relative to its mount."""
from svc.web.openapi import html_page, json_content, query_param

PATHS = {
    "/": html_page("A form to parse and join URLs"),
    "/parse": {
        "get": {
            "summary": "Split a URL into its parts",
            "parameters": [query_param("url", "The URL to parse (at most svc.urls.max_url_length bytes)", required=True)],
            "responses": {"200": {"description": "The parts", "content": json_content("ParsedURL")}},
        }
    },
    "/join": {
        "get": {
            "summary": "Resolve ref against base, as urllib.parse.urljoin does",
            "parameters": [
                query_param("base", "The absolute or relative base URL", required=True),
                query_param("ref", "The reference to resolve; may be empty", required=True),
            ],
            "responses": {"200": {"description": "The joined URL", "content": json_content("JoinedURL")}},
        }
    },
}

_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS = {
    "ParsedURL": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "scheme", "netloc", "username", "password_present", "hostname", "port",
            "path", "params", "query", "query_params", "fragment",
        ],
        "properties": {
            "scheme": {"type": "string"},
            "netloc": {"type": "string", "description": "A password here is replaced by ***"},
            "username": _NULLABLE_STRING,
            "password_present": {"type": "boolean"},
            "hostname": _NULLABLE_STRING,
            "port": {"type": ["integer", "null"], "minimum": 0, "maximum": 65535},
            "path": {"type": "string"},
            "params": {"type": "string"},
            "query": {"type": "string"},
            "query_params": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "fragment": {"type": "string"},
        },
    },
    "JoinedURL": {
        "type": "object",
        "additionalProperties": False,
        "required": ["url"],
        "properties": {"url": {"type": "string"}},
    },
}
