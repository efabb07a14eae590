"""Hold real responses against a piece's own OpenAPI 3.1 document."""
import json
import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _operation(doc, path, method):
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def assert_conforms(doc, response, path=None, method="GET"):
    """Check the status, media type and body of a WebTest ``response`` against ``doc``.

    ``path`` is relative to the document's server (the mount), as its paths are.
    """
    template, operation = _operation(doc, path, method)
    responses = operation["responses"]
    declared = responses.get(str(response.status_int)) or responses.get("default")
    assert declared, f"{response.status_int} is not declared for {method} {template}"
    content = declared.get("content", {})
    media_type = response.content_type
    assert media_type in content, f"{media_type} is not declared for {response.status_int} of {template}"
    schema = content[media_type].get("schema")
    if schema is not None and media_type.endswith("json"):
        _validate(doc, schema, json.loads(response.body))


def assert_is_problem(doc, response):
    """Any error response: problem+json that fits the document's Problem schema."""
    assert response.status_int >= 400
    assert response.content_type == "application/problem+json"
    _validate(doc, {"$ref": "#/components/schemas/Problem"}, json.loads(response.body))


def _validate(doc, schema, instance):
    registry = Registry().with_resource("urn:doc", Resource.from_contents(doc, DRAFT202012))
    if "$ref" in schema:
        schema = {"$ref": "urn:doc" + schema["$ref"]}
    Draft202012Validator(schema, registry=registry).validate(instance)
