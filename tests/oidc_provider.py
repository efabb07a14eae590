"""An OpenID provider on 127.0.0.1 for the OIDC sign-in tests: discovery, authorize, token and JWKS.

A real HTTP server in a thread. It signs ID tokens with joserfc, checks PKCE (S256) with Authlib's
own helper, honours each code once, and authenticates the client with client_secret_basic. The
authorize endpoint approves at once as ``provider.claims`` (the person's sign-in at the provider
is not what svc tests). ``provider.fault`` makes the next tokens wrong in one way.
"""
import base64
import secrets
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from webob import Request, Response

FAULTS = ("other-key", "audience", "expired", "nonce", "issuer")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class OpenIDProvider:
    def __init__(self, client_id="svc", client_secret="provider-secret", alg="RS256"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.alg = alg
        self.key = self._new_key("k1")
        self.other_key = self._new_key("k1")  # the same kid: only the signature can tell them apart
        self.claims = {}
        self.fault = None
        self.codes = {}
        self.authorize_requests = []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self, server_class=_ThreadingServer, handler_class=_Quiet)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _new_key(self, kid):
        if self.alg == "ES256":
            return ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256"}, private=True)
        return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256"}, private=True)

    def reset(self, **claims):
        self.claims = {"sub": "subject-1", **claims}
        self.fault = None
        self.authorize_requests.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __call__(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/authorize": self.authorize,
            "/token": self.token,
            "/jwks": self.jwks,
        }.get(request.path_info)
        response = handler(request) if handler else Response(status=404)
        return response(environ, start_response)

    def discovery(self, request):
        return Response(json={
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.alg],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        })

    def jwks(self, request):
        return Response(json=KeySet([self.key]).as_dict(private=False))

    def authorize(self, request):
        params = request.GET
        self.authorize_requests.append(dict(params))
        if params.get("client_id") != self.client_id or params.get("response_type") != "code":
            return Response(status=400, text="unknown client or response type")
        if params.get("code_challenge_method") != "S256" or "openid" not in params.get("scope", "").split():
            return Response(status=400, text="PKCE S256 and the openid scope are required")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = {
                "redirect_uri": params["redirect_uri"],
                "challenge": params["code_challenge"],
                "nonce": params.get("nonce"),
                "used": False,
            }
        query = urlencode({"code": code, "state": params.get("state", "")})
        return Response(status=302, location=params["redirect_uri"] + "?" + query)

    def token(self, request):
        if request.authorization is None or request.authorization[0].lower() != "basic":
            return _error(401, "invalid_client")
        user, _, password = base64.b64decode(request.authorization[1]).decode().partition(":")
        if (user, password) != (self.client_id, self.client_secret):
            return _error(401, "invalid_client")
        form = request.POST
        with self._lock:
            grant = self.codes.get(form.get("code"))
            if grant is None or grant["used"]:
                return _error(400, "invalid_grant", "the code is unknown or was already used")
            grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error(400, "invalid_grant", "redirect_uri differs")
        if create_s256_code_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return _error(400, "invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(16)
        return Response(json={
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["nonce"]),
        })

    def id_token(self, nonce):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
        }
        key = self.key
        if self.fault == "other-key":
            key = self.other_key
        elif self.fault == "audience":
            claims["aud"] = "someone-else"
        elif self.fault == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.fault == "nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.fault == "issuer":
            claims["iss"] = "https://impostor.example"
        return jwt.encode({"alg": self.alg, "kid": key.kid}, claims, key)


def _error(status, error, description=None):
    body = {"error": error}
    if description:
        body["error_description"] = description
    return Response(status=status, json=body)
