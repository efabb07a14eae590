"""Each app serves one OpenAPI 3.1 document for the pieces it includes, at ``<mount>/openapi.json``."""
import copy

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "incident": {"type": "string"},
        "traceback": {"type": "string"},
    },
}

HTML = {"text/html": {"schema": {"type": "string"}}}


def json_content(ref, media_type="application/json"):
    """A content map whose schema is ``#/components/schemas/<ref>``."""
    return {media_type: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def query_param(name, description, required=False, schema=None):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def html_page(summary):
    """The path item of a piece's page for people, at its root."""
    return {"get": {"summary": summary, "responses": {"200": {"description": "HTML page", "content": HTML}}}}


PROBLEM_RESPONSE = {
    "description": "An error, as RFC 9457 problem details",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def add_openapi(config, paths, schemas=None):
    """Register a piece's OpenAPI ``paths`` (relative to the piece's root) and ``schemas``."""
    prefix = "/" + config.route_prefix.strip("/") if config.route_prefix else ""
    doc = config.registry.svc_openapi
    for path, item in paths.items():
        item = copy.deepcopy(item)
        for operation in item.values():
            operation.setdefault("responses", {}).setdefault("default", PROBLEM_RESPONSE)
        doc["paths"][prefix + path] = item
    doc["components"]["schemas"].update(schemas or {})


API_PAGE = {
    "get": {
        "summary": "Browse and try this mount's API (Swagger UI, served by svc itself)",
        "responses": {"200": {"description": "HTML page", "content": HTML}},
    }
}


OPENAPI_DOCUMENT = {
    "get": {
        "summary": "This document: the OpenAPI 3.1 description of this mount's paths",
        "responses": {"200": {"description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }
}


def static_files(summary):
    """The path item of a static view, whose ``subpath`` is the file's path under it."""
    subpath = {"name": "subpath", "in": "path", "required": True, "schema": {"type": "string"}}
    content = {"*/*": {"schema": {"type": "string"}}}
    return {
        "get": {"summary": summary, "parameters": [subpath], "responses": {"200": {"description": "The file", "content": content}}}
    }


def api_page_view(request):
    return {}


def openapi_view(request):
    doc = request.registry.svc_openapi
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "svc: " + ", ".join(name for name, _ in request.registry.svc_pieces),
            "version": request.registry.svc_version,
        },
        "servers": [{"url": request.application_url}],
        "paths": doc["paths"],
        "components": doc["components"],
    }


def includeme(config):
    config.registry.svc_openapi = {
        "paths": {},
        "components": {"schemas": {"Problem": PROBLEM_SCHEMA}},
    }
    config.add_directive("add_openapi", add_openapi)
    config.add_route("openapi", "/openapi.json")
    config.add_view(openapi_view, route_name="openapi", renderer="json", request_method="GET")
    # Swagger UI's assets come from the swagger-ui-py package, served by svc: no CDN.
    config.add_static_view("swagger-ui", "swagger_ui:static/", cache_max_age=86400)
    config.add_route("api", "/api")
    config.add_view(api_page_view, route_name="api", renderer="api.jinja2", request_method="GET")
    add_openapi(
        config,
        {
            "/api": API_PAGE,
            "/openapi.json": OPENAPI_DOCUMENT,
            "/static/{subpath}": static_files("svc's own assets: style sheet, icon, scripts"),
            "/swagger-ui/{subpath}": static_files("Swagger UI's assets, from the swagger-ui-py package"),
        }
    )
