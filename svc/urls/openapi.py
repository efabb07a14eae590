"""OpenAPI paths of the urls piece, relative to its mount."""

def _query(name, description):
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _json(ref):
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


PATHS = {
    "/": {
        "get": {
            "summary": "A form to parse and join URLs",
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}},
        }
    },
    "/parse": {
        "get": {
            "summary": "Split a URL into its parts",
            "parameters": [_query("url", "The URL to parse (at most svc.urls.max_url_length bytes)")],
            "responses": {"200": {"description": "The parts", "content": _json("ParsedURL")}},
        }
    },
    "/join": {
        "get": {
            "summary": "Resolve ref against base, as urllib.parse.urljoin does",
            "parameters": [
                _query("base", "The absolute or relative base URL"),
                _query("ref", "The reference to resolve; may be empty"),
            ],
            "responses": {"200": {"description": "The joined URL", "content": _json("JoinedURL")}},
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
