"""Sign-in with an OpenID provider: the authorization code flow with PKCE (S256), state and nonce.

Authlib builds the authorization URL and exchanges the code; joserfc (which Authlib uses) checks
the ID token's signature (RS256 or ES256) with the provider's JWKS, then Authlib's CodeIDToken
its issuer, audience, expiry and issue time (give or take svc.auth.oidc_clock_skew), nonce and
azp. The flow's secrets wait in a signed cookie bound to the browser for svc.auth.oidc_flow_seconds,
so any worker or instance can finish a flow another one started. Every URL svc calls comes from
the configured issuer's discovery document, never from the request. The session that follows is
svc's own, so revocation and idle timeouts work as they do for passwords.
"""
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from webob.cookies import SignedCookieProfile

from svc.auth.credentials import client_ip
from svc.auth.names import InvalidName, check_name
from svc.auth.store import AlreadyExists, NotFound

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "ES256")
KEYS_REFRESH_SECONDS = 60  # a token naming an unknown key fetches the JWKS again, at most this often
SALT = "svc.auth.oidc"


class ProviderSignInFailed(Exception):
    """The provider's sign-in did not sign anyone in; ``status`` and ``slug`` say how to answer.

    400 as for a wrong password on the form: a 401 would make the filter send the browser to
    sign in again, with the reason lost.
    """

    status = 400
    slug = "oidc-sign-in-failed"

    def __init__(self, detail, status=None):
        super().__init__(detail)
        if status is not None:
            self.status = status


class FlowRefused(ProviderSignInFailed):
    """The callback does not belong to a flow this browser started (state, cookie, age)."""

    status = 400
    slug = "oidc-flow-refused"


class ProviderUnavailable(ProviderSignInFailed):
    """The provider could not be reached or answered nonsense."""

    status = 502
    slug = "oidc-provider-unavailable"


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    code_verifier: str
    came_from: str
    redirect_uri: str
    started_at: int


class ProviderMetadata:
    """The provider's discovery document and keys, fetched when first needed.

    Kept per process: N workers on M instances fetch them N x M times. A failed fetch is not
    kept, so the next sign-in tries again. Keys rotate: a token naming a key we lack fetches
    the JWKS again, at most every KEYS_REFRESH_SECONDS.
    """

    def __init__(self, issuer, timeout, clock=time.monotonic):
        self.issuer = issuer
        self.timeout = timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._document = None
        self._keys = None
        self._keys_at = None

    def document(self):
        with self._lock:
            if self._document is None:
                self._document = self._discover()
            return self._document

    def keys(self, refresh=False):
        document = self.document()
        with self._lock:
            stale = refresh and self._keys_at is not None and self.clock() - self._keys_at >= KEYS_REFRESH_SECONDS
            if self._keys is None or stale:
                data = self._get_json(document["jwks_uri"], "key set (jwks_uri)")
                try:
                    self._keys = KeySet.import_key_set(data)
                except (JoseError, KeyError, TypeError, ValueError) as exc:
                    raise ProviderUnavailable(f"The provider's key set is not a valid JWKS: {exc}") from None
                self._keys_at = self.clock()
            return self._keys

    def _discover(self):
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = self._get_json(url, "discovery document")
        if document.get("issuer") != self.issuer:
            raise ProviderUnavailable(
                f"The provider's discovery document names the issuer {document.get('issuer')!r}, "
                f"not {self.issuer!r} (svc.auth.oidc_issuer)"
            )
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not self._acceptable_url(document.get(key)):
                raise ProviderUnavailable(f"The provider's discovery document has no usable {key}")
        return document

    def _acceptable_url(self, url):
        """An https URL, or http when the issuer itself is http (a provider on loopback)."""
        if not isinstance(url, str):
            return False
        parts = urlsplit(url)
        return bool(parts.hostname) and parts.scheme in ("https", urlsplit(self.issuer).scheme)

    def _get_json(self, url, what):
        try:
            response = requests.get(url, timeout=self.timeout, allow_redirects=False)
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"The provider's {what} at {url} could not be read: {exc}") from None
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"The provider's {what} at {url} is not a JSON object")
        return data


class OpenIDSignIn:
    """The relying party: starts a flow, and finishes it with the claims of a checked ID token."""

    def __init__(self, settings, clock=time.time):
        self.settings = settings
        self.clock = clock
        self.provider = ProviderMetadata(settings.oidc_issuer, settings.oidc_timeout)
        self.display_name = settings.oidc_display_name
        self.flows = SignedCookieProfile(
            settings.secret,
            SALT,
            cookie_name=("__Host-" if settings.secure else "") + "svc_oidc",
            secure=settings.secure,
            httponly=True,
            samesite="Lax",  # the provider sends the browser back with a top-level GET
            path="/",
            hashalg="sha512",
        )

    @classmethod
    def from_settings(cls, settings, clock=time.time):
        """The relying party of ``settings``, or None when svc.auth.oidc_issuer is unset."""
        return cls(settings, clock) if settings.oidc_issuer else None

    def _client(self, redirect_uri):
        return OAuth2Session(
            self.settings.oidc_client_id,
            self.settings.oidc_client_secret or None,  # none: a public client, PKCE alone
            scope=" ".join(self.settings.oidc_scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            default_timeout=self.settings.oidc_timeout,
        )

    def start(self, request, came_from, redirect_uri):
        """``(the provider's authorization URL, Set-Cookie headers of the pending flow)``."""
        endpoint = self.provider.document()["authorization_endpoint"]
        flow = Flow(generate_token(32), generate_token(32), generate_token(48), came_from, redirect_uri,
                    int(self.clock()))
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                endpoint, state=flow.state, code_verifier=flow.code_verifier, nonce=flow.nonce
            )
        value = [flow.state, flow.nonce, flow.code_verifier, flow.came_from, flow.redirect_uri, flow.started_at]
        return url, self.flows.bind(request).get_headers(value, max_age=self.settings.oidc_flow_seconds)

    def finish(self, request):
        """``(claims of the checked ID token, came_from)``; raises ProviderSignInFailed."""
        flow = self._flow(request)
        params = request.GET
        if "error" in params:
            description = params.get("error_description", "")
            raise ProviderSignInFailed(
                f"The provider refused the sign-in: {params['error']}" + (f" ({description})" if description else "")
            )
        state = params.get("state", "")
        if not hmac.compare_digest(state.encode("utf-8", "surrogatepass"), flow.state.encode()):
            raise FlowRefused("The sign-in's state does not match the one this browser started; start again")
        token = self._exchange(params.get("code", ""), flow)
        return self._id_token_claims(token, flow.nonce), flow.came_from

    def clear(self, request):
        """Set-Cookie headers that end the pending flow: a flow is finished once."""
        return self.flows.bind(request).get_headers(None)

    def _flow(self, request):
        value = self.flows.bind(request).get_value()
        if not isinstance(value, list) or len(value) != 6:
            raise FlowRefused("No sign-in was started in this browser, or it was already used; start again")
        flow = Flow(*value)
        if not 0 <= self.clock() - flow.started_at <= self.settings.oidc_flow_seconds:
            raise FlowRefused("The sign-in took too long; start again")
        return flow

    def _exchange(self, code, flow):
        if not code:
            raise FlowRefused("The provider sent no code back; start again")
        endpoint = self.provider.document()["token_endpoint"]
        with self._client(flow.redirect_uri) as client:
            try:
                return client.fetch_token(
                    endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=flow.code_verifier,
                    allow_redirects=False,  # svc calls only the URLs of the discovery document
                )
            except OAuthError as exc:
                detail = exc.error + (f": {exc.description}" if exc.description else "")
                raise ProviderSignInFailed(f"The provider refused the code ({detail}); start again") from None
            except (requests.RequestException, ValueError) as exc:
                raise ProviderUnavailable(f"The provider's token endpoint could not be used: {exc}") from None

    def _id_token_claims(self, token, nonce):
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderSignInFailed("The provider sent no ID token (is openid among svc.auth.oidc_scopes?)")
        settings = self.settings
        try:
            try:
                decoded = jwt.decode(id_token, self.provider.keys(), algorithms=ALGORITHMS)
            except InvalidKeyIdError:
                decoded = jwt.decode(id_token, self.provider.keys(refresh=True), algorithms=ALGORITHMS)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {"iss": {"essential": True, "value": settings.oidc_issuer},
                 "aud": {"essential": True, "value": settings.oidc_client_id}},
                {"nonce": nonce, "client_id": settings.oidc_client_id, "access_token": token.get("access_token")},
            )
            claims.validate(now=int(self.clock()), leeway=settings.oidc_clock_skew)
        except BadSignatureError:
            raise ProviderSignInFailed("The ID token's signature does not verify with the provider's keys") from None
        except ExpiredTokenError:
            raise ProviderSignInFailed("The ID token has expired (check the clocks, or svc.auth.oidc_clock_skew)") from None
        except ClaimError as exc:
            raise ProviderSignInFailed(f"The ID token was refused: {exc.description}") from None
        except JoseError as exc:
            raise ProviderSignInFailed(f"The ID token was refused: {exc.description or exc.error}") from None
        return dict(claims)

    def account(self, claims):
        """``(user name, svc groups the provider puts the user in)`` from the ID token's claims."""
        claim = self.settings.oidc_user_claim
        name = claims.get(claim)
        if not isinstance(name, str) or not name:
            raise ProviderSignInFailed(
                f"The ID token has no {claim} claim to name the user (svc.auth.oidc_user_claim)"
            )
        try:
            check_name(name)
        except InvalidName:
            raise ProviderSignInFailed(f"The ID token's {claim} {name!r} is not a valid svc user name") from None
        listed = claims.get(self.settings.oidc_groups_claim, ()) if self.settings.oidc_groups_claim else ()
        listed = [listed] if isinstance(listed, str) else listed if isinstance(listed, list) else []
        mapping = self.settings.oidc_group_map
        return name, {mapping[g] for g in listed if isinstance(g, str) and g in mapping}


def sign_in(service, oidc, request, claims):
    """Sign the provider's user in with a session of svc's own: its Set-Cookie headers.

    The user is created on first sign-in when svc.auth.oidc_create_users is on. Membership of
    each svc group named in svc.auth.oidc_group_map follows the groups claim; other groups are
    left to the admins. Changes go through service.admin, the session through service.sessions.start
    as for the password form.
    """
    name, wanted = oidc.account(claims)
    found = service.store.credentials(name)
    if found is None:
        if not oidc.settings.oidc_create_users:
            raise ProviderSignInFailed(
                f"The provider signed in {name}, but there is no svc user named {name}; "
                "an admin can add one (or set svc.auth.oidc_create_users = true)",
                status=403,
            )
        try:
            service.admin.add_user(name, None)  # no password: the provider vouches for them
        except AlreadyExists:
            pass  # a first sign-in in another tab or worker won the race
        log.info("user %s created at their first sign-in through the OpenID provider", name)
        found = service.store.credentials(name)
    user_id = found[0]
    current = service.store.principal(user_id).groups
    for group in set(oidc.settings.oidc_group_map.values()):
        try:
            if group in wanted and group not in current:
                service.admin.add_member(group, name)
            elif group not in wanted and group in current:
                service.admin.remove_member(group, name)
        except NotFound:
            log.warning("svc.auth.oidc_group_map names the group %s, which does not exist", group)
    principal = service.store.principal(user_id)
    if principal is None:  # removed meanwhile
        raise ProviderSignInFailed(f"The svc user {name} was removed during the sign-in", status=403)
    _, headers = service.sessions.start(request, principal, client_ip(request.environ, service.settings.trusted_proxies))
    log.info("%s signed in through the OpenID provider", name)
    return headers
