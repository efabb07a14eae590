"""OpenAPI paths of the auth piece, relative to its mount."""
from svc.auth.names import MAX_LIFETIME
from svc.web.openapi import HTML, json_content

_PAGE_OR_PROBLEM = {**HTML, "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_NO_CONTENT = {"204": {"description": "Done"}}


def _body(ref):
    return {"required": True, "content": json_content(ref)}


def _path(name, description):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


_ADMIN = "Needs the permission admin. A cookie session also sends X-CSRF-Token on changes."
_FORM = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["csrf_token"],
                "properties": {
                    "user": {"type": "string"},
                    "password": {"type": "string"},
                    "came_from": {"type": "string"},
                    "csrf_token": {"type": "string"},
                },
            }
        }
    },
}

_CONSOLE_FORM = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["csrf_token", "action"],
                "properties": {"csrf_token": {"type": "string"}, "action": {"type": "string"}},
                "additionalProperties": {"type": "string"},
            }
        }
    },
}


def _count(name, description):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}}


PATHS = {
    "/": {
        "get": {
            "summary": "The sign-in form, or a redirect to whoami when signed in",
            "responses": {"200": {"description": "HTML page", "content": HTML}, "303": {"description": "Signed in"}},
        }
    },
    "/login": {
        "get": {
            "summary": "The sign-in form (a GET never accepts credentials)",
            "parameters": [
                {"name": "came_from", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "A path on this site to return to; anything else becomes /"},
                {"name": "needs", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "The permission came_from needs; shown only when a mounted app declares it"},
                {"name": "signed_out", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Present after signing out: the page says so"},
            ],
            "responses": {"200": {"description": "HTML form", "content": HTML}},
        },
        "post": {
            "summary": "Sign in with the form: sets the session cookie and redirects to came_from",
            "requestBody": _FORM,
            "responses": {
                "303": {"description": "Signed in; Location is came_from"},
                "400": {"description": "Wrong user or password, or a bad CSRF token", "content": _PAGE_OR_PROBLEM},
                "429": {"description": "Too many failed sign-ins; see Retry-After", "content": _PAGE_OR_PROBLEM},
                "503": {"description": "Too many sign-ins at once; see Retry-After", "content": _PAGE_OR_PROBLEM},
            },
        },
    },
    "/logout": {
        "post": {
            "summary": "Sign out: ends the server-side session and deletes the cookie",
            "requestBody": _FORM,
            "responses": {"303": {"description": "Signed out; Location is the sign-in form"}},
        }
    },
    "/oidc/start": {
        "get": {
            "summary": "Sign in with the OpenID provider: redirects there (when svc.auth.oidc_issuer is set)",
            "parameters": [
                {"name": "came_from", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "A path on this site to return to; anything else becomes /"},
            ],
            "responses": {
                "303": {"description": "Location is the provider's authorization endpoint"},
                "404": {"description": "No OpenID provider is configured", "content": _PAGE_OR_PROBLEM},
                "502": {"description": "The provider's discovery document cannot be read",
                        "content": _PAGE_OR_PROBLEM},
            },
        }
    },
    "/oidc/callback": {
        "get": {
            "summary": "Where the provider sends the browser back: checks the flow and the ID token, signs in",
            "parameters": [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                for name in ("code", "state", "error", "error_description")
            ],
            "responses": {
                "303": {"description": "Signed in; Location is came_from"},
                "400": {"description": "A wrong state, a used code or a bad ID token", "content": _PAGE_OR_PROBLEM},
                "403": {"description": "No svc user of that name", "content": _PAGE_OR_PROBLEM},
                "502": {"description": "The provider cannot be reached", "content": _PAGE_OR_PROBLEM},
            },
        }
    },
    "/whoami": {
        "get": {
            "summary": "Who the caller is: user, groups, permissions and how they signed in",
            "responses": {
                "200": {"description": "The identity", "content": {**json_content("Identity"), **HTML}},
            },
        }
    },
    "/check": {
        "get": {
            "summary": "Forward auth for nginx auth_request, Traefik ForwardAuth and Caddy forward_auth",
            "description": (
                "Decides with svc.auth.forward_rules on the original request named by X-Original-URI or "
                "X-Forwarded-Uri, X-Forwarded-Method and X-Forwarded-Host (believed only from "
                "svc.auth.trusted_proxies). Every answer has an empty body."
            ),
            "responses": {
                "200": {"description": "Allowed; X-Auth-Request-User, -Groups and -Email name the caller"},
                "401": {"description": "Nobody is signed in: the proxy sends the browser to sign in"},
                "403": {"description": "Signed in without the permission, or no rule covers the request"},
            },
        }
    },
    "/admin/users": {
        "get": {
            "summary": "List users",
            "description": _ADMIN,
            "responses": {"200": {"description": "Users", "content": json_content("UserList")}},
        },
        "post": {
            "summary": "Add a user (without a password, the user signs in only with tokens)",
            "description": _ADMIN,
            "requestBody": _body("NewUser"),
            "responses": {"201": {"description": "Added", "content": json_content("User")}},
        },
    },
    "/admin/users/{name}": {
        "get": {
            "summary": "One user",
            "description": _ADMIN,
            "parameters": [_path("name", "User name")],
            "responses": {"200": {"description": "The user", "content": json_content("User")}},
        },
        "delete": {
            "summary": "Remove a user, with their tokens and sessions",
            "description": _ADMIN,
            "parameters": [_path("name", "User name")],
            "responses": _NO_CONTENT,
        },
    },
    "/admin/users/{name}/password": {
        "put": {
            "summary": "Set a user's password (ends their sessions)",
            "description": _ADMIN,
            "parameters": [_path("name", "User name")],
            "requestBody": _body("Password"),
            "responses": _NO_CONTENT,
        }
    },
    "/admin/users/{name}/sessions": {
        "delete": {
            "summary": "Sign a user out everywhere",
            "description": _ADMIN,
            "parameters": [_path("name", "User name")],
            "responses": {"200": {"description": "How many sessions ended", "content": json_content("Revoked")}},
        }
    },
    "/admin/groups": {
        "get": {
            "summary": "List groups",
            "description": _ADMIN,
            "responses": {"200": {"description": "Groups", "content": json_content("GroupList")}},
        },
        "post": {
            "summary": "Add a group",
            "description": _ADMIN,
            "requestBody": _body("NewGroup"),
            "responses": {"201": {"description": "Added", "content": json_content("Group")}},
        },
    },
    "/admin/groups/{name}": {
        "delete": {
            "summary": "Remove a group",
            "description": _ADMIN,
            "parameters": [_path("name", "Group name")],
            "responses": _NO_CONTENT,
        }
    },
    "/admin/groups/{name}/members/{user}": {
        "put": {
            "summary": "Add a user to a group",
            "description": _ADMIN,
            "parameters": [_path("name", "Group name"), _path("user", "User name")],
            "responses": _NO_CONTENT,
        },
        "delete": {
            "summary": "Take a user out of a group",
            "description": _ADMIN,
            "parameters": [_path("name", "Group name"), _path("user", "User name")],
            "responses": _NO_CONTENT,
        },
    },
    "/admin/grants": {
        "get": {
            "summary": "List permission grants",
            "description": _ADMIN,
            "responses": {"200": {"description": "Grants", "content": json_content("GrantList")}},
        },
        "post": {
            "summary": "Grant a permission to a user, or to a group written @group",
            "description": _ADMIN + " A permission no mounted app checks is refused (400 unknown-permission, "
            "with the known ones in known) unless force is true.",
            "requestBody": _body("NewGrant"),
            "responses": {"201": {"description": "Granted", "content": json_content("Grant")}},
        },
    },
    "/admin/grants/{subject}/{permission}": {
        "delete": {
            "summary": "Revoke a grant",
            "description": _ADMIN,
            "parameters": [_path("subject", "User name or @group"), _path("permission", "Permission")],
            "responses": _NO_CONTENT,
        }
    },
    "/admin/tokens": {
        "get": {
            "summary": "List API tokens (never the tokens themselves)",
            "description": _ADMIN,
            "parameters": [{"name": "user", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Tokens", "content": json_content("TokenList")}},
        },
        "post": {
            "summary": "Create an API token; the token is in this answer only",
            "description": _ADMIN,
            "requestBody": _body("NewToken"),
            "responses": {"201": {"description": "Created", "content": json_content("CreatedToken")}},
        },
    },
    "/admin/tokens/{id}": {
        "delete": {
            "summary": "Revoke an API token",
            "description": _ADMIN,
            "parameters": [_path("id", "Token id")],
            "responses": _NO_CONTENT,
        }
    },
    "/admin/htpasswd": {
        "post": {
            "summary": "Import users from an htpasswd file (bcrypt; $apr1$ and {SHA} only when allowed)",
            "description": _ADMIN,
            "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "What was imported", "content": json_content("ImportReport")}},
        }
    },
    "/admin/audit": {
        "get": {
            "summary": "The audit log: admin actions and sign-in events, oldest first",
            "description": _ADMIN,
            "parameters": [
                _count("since", "Entries at or after this time (Unix seconds)"),
                _count("after", "Entries after this entry id; next holds the link to the following page"),
                _count("limit", "At most this many entries (default 100, at most 1000)"),
            ],
            "responses": {"200": {"description": "A page of entries", "content": json_content("AuditPage")}},
        }
    },
    "/admin": {
        "get": {
            "summary": "The admin console: users, groups, grants, tokens, sessions and the audit log",
            "description": "Needs the permission admin.",
            "responses": {"200": {"description": "HTML page", "content": HTML}},
        },
        "post": {
            "summary": "A console form: runs its action, then redirects back to the console",
            "description": "Needs the permission admin and the form's CSRF token.",
            "requestBody": _CONSOLE_FORM,
            "responses": {
                "200": {"description": "The console with the new API token, shown only now", "content": HTML},
                "303": {"description": "Done; Location is the console"},
                "400": {"description": "Refused; the console shows why", "content": _PAGE_OR_PROBLEM},
            },
        },
    },
    "/account": {
        "get": {
            "summary": "Your account: change your password, your sessions and API tokens",
            "responses": {"200": {"description": "HTML page", "content": HTML}},
        },
        "post": {
            "summary": "An account form: runs its action, then redirects back to the page",
            "description": "Needs the form's CSRF token.",
            "requestBody": _CONSOLE_FORM,
            "responses": {
                "200": {"description": "The page with the new API token, shown only now", "content": HTML},
                "303": {"description": "Done; Location is the account page"},
                "400": {"description": "Refused; the page shows why", "content": _PAGE_OR_PROBLEM},
                "429": {"description": "Too many wrong current passwords", "content": _PAGE_OR_PROBLEM},
            },
        },
    },
}

_STRINGS = {"type": "array", "items": {"type": "string"}}
_NAME = {"type": "string", "minLength": 1, "maxLength": 150}


def _object(required, properties, closed=True):
    schema = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


_TOKEN = {
    "id": {"type": "integer"},
    "user": {"type": "string"},
    "label": {"type": "string"},
    "hint": {"type": "string", "description": "The token's first characters"},
    "created_at": {"type": "integer", "description": "Unix seconds"},
    "expires_at": {"type": ["integer", "null"], "description": "Unix seconds, or null for never"},
}

SCHEMAS = {
    "Identity": _object(
        ["user", "groups", "permissions", "method"],
        {
            "user": {"type": "string"},
            "groups": _STRINGS,
            "permissions": _STRINGS,
            "method": {"enum": ["cookie", "basic", "bearer"]},
        },
    ),
    "User": _object(
        ["name", "groups", "permissions", "has_password", "tokens", "sessions", "created_at"],
        {
            "name": {"type": "string"},
            "groups": _STRINGS,
            "permissions": {**_STRINGS, "description": "Granted to the user; groups grant more"},
            "has_password": {"type": "boolean"},
            "tokens": {"type": "integer"},
            "sessions": {"type": "integer"},
            "created_at": {"type": "integer"},
        },
    ),
    "UserList": _object(["users"], {"users": {"type": "array", "items": {"$ref": "#/components/schemas/User"}}}),
    "NewUser": _object(["name"], {"name": _NAME, "password": {"type": "string"}}),
    "Password": _object(["password"], {"password": {"type": "string", "minLength": 1}}),
    "Revoked": _object(["revoked"], {"revoked": {"type": "integer"}}),
    "Group": _object(
        ["name", "members", "permissions", "created_at"],
        {"name": {"type": "string"}, "members": _STRINGS, "permissions": _STRINGS, "created_at": {"type": "integer"}},
    ),
    "GroupList": _object(["groups"], {"groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}}}),
    "NewGroup": _object(["name"], {"name": _NAME}),
    "Grant": _object(["subject", "permission"], {"subject": {"type": "string"}, "permission": {"type": "string"}}),
    "NewGrant": _object(
        ["subject", "permission"],
        {
            "subject": {"type": "string"},
            "permission": {"type": "string"},
            "force": {"type": "boolean", "description": "Grant a foreign app's own permission, which no app declares"},
        },
    ),
    "GrantList": _object(["grants"], {"grants": {"type": "array", "items": {"$ref": "#/components/schemas/Grant"}}}),
    "Token": _object(list(_TOKEN), _TOKEN),
    "TokenList": _object(["tokens"], {"tokens": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}}}),
    "NewToken": _object(
        ["user"],
        {"user": {"type": "string"}, "label": {"type": "string"}, "expires_in": {"type": "integer", "minimum": 1, "maximum": MAX_LIFETIME}},
    ),
    "CreatedToken": _object(list(_TOKEN) + ["token"], {**_TOKEN, "token": {"type": "string"}}),
    "AuditPage": _object(
        ["entries", "next"],
        {
            "entries": {
                "type": "array",
                "items": _object(
                    ["id", "at", "event", "actor", "client", "subject", "detail"],
                    {
                        "id": {"type": "integer"},
                        "at": {"type": "integer", "description": "Unix seconds"},
                        "event": {"type": "string", "description": "sign_in, sign_in_failed, grant, ..."},
                        "actor": {"type": ["string", "null"], "description": "Who made the change; null for sign-ins"},
                        "client": {"type": ["string", "null"]},
                        "subject": {"type": ["string", "null"], "description": "The user, @group or token concerned"},
                        "detail": {"type": "object"},
                    },
                ),
            },
            "next": {"type": ["string", "null"], "description": "The next page, or null on the last one"},
        },
    ),
    "ImportReport": _object(
        ["added", "updated", "unchanged", "refused"],
        {
            "added": _STRINGS,
            "updated": _STRINGS,
            "unchanged": _STRINGS,
            "refused": {
                "type": "array",
                "items": _object(
                    ["line", "user", "reason"],
                    {"line": {"type": "integer"}, "user": {"type": "string"}, "reason": {"type": "string"}},
                ),
            },
        },
    ),
}
