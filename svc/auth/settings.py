"""The ``svc.auth.*`` settings of the auth filter, and the start-up checks of its secret."""
import ipaddress
import logging
import os
from urllib.parse import urlsplit

from limits import parse as parse_rate

from svc.auth.forward import as_forward_rules
from svc.auth.names import InvalidName, check_name
from svc.web import SETTINGS as WEB_SETTINGS
from svc.web.settings import SettingError, SettingsSpec, as_bool, as_int, as_list, as_seconds, as_size, as_text, with_defaults

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
# The secret development.ini ships with; refused unless svc.debug is on.
SAMPLE_SECRET = "development-only-secret-do-not-use-in-production-0123456789"


def as_rate(value):
    """A rate such as ``5 per 15 minutes`` (the ``limits`` notation)."""
    text = str(value).strip()
    try:
        parse_rate(text)
    except ValueError:
        raise ValueError("expected a rate such as 5 per 15 minutes") from None
    return text


def as_hash_slots(value):
    """A positive integer, or empty for one per CPU core."""
    text = str(value).strip()
    return as_int(1, 4096)(text) if text else os.cpu_count() or 1


def as_networks(value):
    """IP addresses or CIDR networks, separated by spaces or commas."""
    return tuple(ipaddress.ip_network(word, strict=False) for word in as_list(value))


def as_mount_paths(value):
    """Paths under the filter such as ``/legacy /wiki``, each starting with /."""
    paths = tuple(as_list(value))
    for path in paths:
        if not path.startswith("/"):
            raise ValueError(f"expected paths that start with /, not {path!r}")
    return paths


def as_issuer(value):
    """An OpenID provider's issuer URL: https, or http on loopback (a provider on this machine)."""
    text = as_text(value)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("expected the provider's issuer URL, such as https://id.example.com/realms/main")
    if parts.query or parts.fragment:
        raise ValueError("an issuer URL has no query or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("the issuer must use https (http only for a provider on loopback)")
    return text


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def as_scopes(value):
    """OAuth scopes separated by spaces or commas; ``openid`` among them."""
    scopes = as_list(value)
    if "openid" not in scopes:
        raise ValueError("the scopes must include openid")
    return scopes


def as_group_map(value):
    """``provider-group=svc-group`` pairs separated by spaces, commas or newlines, as a dict."""
    pairs = {}
    for word in as_list(value):
        provider_group, equals, group = word.partition("=")
        if not equals or not provider_group or not group:
            raise ValueError(f"expected provider-group=svc-group pairs, not {word!r}")
        try:
            check_name(group, "group")
        except InvalidName as exc:
            raise ValueError(str(exc)) from None
        pairs[provider_group] = group
    return pairs


def as_absolute_url(value):
    text = as_text(value)
    if text and urlsplit(text).scheme not in ("https", "http"):
        raise ValueError("expected an absolute URL such as https://svc.example.com/auth/oidc/callback")
    return text or None


SETTINGS = SettingsSpec(
    "svc.auth",
    db_url=(as_text, None),
    create_schema=(as_bool, False),
    secret=(as_text, None),
    secret_file=(as_text, None),
    secure=(as_bool, True),
    cookie_name=(as_text, "svc_auth"),
    idle_timeout=(as_seconds(), 1800),
    lifetime=(as_seconds(), 43200),
    login_path=(as_text, None),  # None: where the auth app is mounted (svc/auth/login_path.py)
    realm=(as_text, "svc"),
    recheck_seconds=(as_int(0, 3600), 5),
    basic_cache_seconds=(as_int(0, 3600), 60),
    argon2_time_cost=(as_int(1, 100), 3),
    argon2_memory_cost=(as_int(8, 4 * 1024 * 1024), 65536),
    argon2_parallelism=(as_int(1, 64), 4),
    max_password_bytes=(as_size, 1024),
    max_authorization_bytes=(as_size, 4096),
    login_attempts=(as_rate, "5 per 15 minutes"),
    login_attempts_per_address=(as_rate, "100 per 15 minutes"),
    max_concurrent_hashes=(as_hash_slots, ""),
    throttle_storage=(as_text, None),  # None: Redis with redis_url, else the auth database (svc/auth/throttle.py)
    redis_url=(as_text, None),
    revocation_file=(as_text, None),  # None: beside a SQLite database (svc/auth/revocation.py)
    trusted_proxies=(as_networks, ()),
    allow_legacy_hashes=(as_bool, False),
    # NIST SP 800-63B asks for 8 at the very least; see svc/auth/password_policy.py
    min_password_length=(as_int(8, 1024), 12),
    strip_headers=(as_list, ()),
    pass_authorization=(as_mount_paths, ()),
    # Forward auth (svc/auth/forward.py): which permission each host and path needs, the answer's headers.
    forward_rules=(as_forward_rules, ""),
    forward_user_header=(as_text, "X-Auth-Request-User"),
    forward_groups_header=(as_text, "X-Auth-Request-Groups"),
    forward_email_header=(as_text, "X-Auth-Request-Email"),
    # Hosts (or .parent.domain suffixes) that came_from may name in an absolute URL.
    allowed_redirect_hosts=(as_list, ()),
    # A parent domain for the sign-in cookie (it then drops the __Host- prefix); empty: this host only.
    cookie_domain=(as_text, ""),
    # Callers of a permission granted to @anonymous (svc/auth/public.py): per client address, per user.
    anonymous_rate=(as_rate, "300 per minute"),
    signed_in_rate=(as_rate, "3000 per minute"),
    # Sign-in with an OpenID provider (svc/auth/oidc.py); off while oidc_issuer is unset.
    password_sign_in=(as_bool, True),
    oidc_issuer=(as_issuer, None),
    oidc_client_id=(as_text, None),
    oidc_client_secret=(as_text, None),
    oidc_client_secret_file=(as_text, None),
    oidc_scopes=(as_scopes, "openid profile email"),
    oidc_user_claim=(as_text, "preferred_username"),
    oidc_groups_claim=(as_text, ""),
    oidc_group_map=(as_group_map, ""),
    oidc_create_users=(as_bool, False),
    oidc_display_name=(as_text, "OpenID Connect"),
    oidc_clock_skew=(as_int(0, 600), 60),
    oidc_timeout=(as_seconds(0, 60), 10),
    oidc_flow_seconds=(as_int(30, 3600), 600),
    oidc_redirect_uri=(as_absolute_url, None),
    audit_log=(as_bool, False),  # also write each audit entry as a JSON line to the svc.audit logger
)


def read_auth_settings(global_conf, local_conf):
    """``svc.auth.*`` from [DEFAULT], then the filter section's own keys; no secret yet."""
    values = SETTINGS.parse(with_defaults(global_conf, local_conf, "svc.auth."), strict=True)
    if not values.db_url:
        raise SettingError("setting svc.auth.db_url is required (a SQLAlchemy URL such as sqlite:///var/svc.sqlite)")
    check_sign_in_methods(values)
    return values


def check_sign_in_methods(values):
    """The OpenID provider is complete when set, and the sign-in page keeps at least one way in."""
    if not values.oidc_issuer:
        if values.oidc_client_id:
            raise SettingError("setting svc.auth.oidc_client_id is set but svc.auth.oidc_issuer is not")
        if not values.password_sign_in:
            raise SettingError(
                "setting svc.auth.password_sign_in = false needs svc.auth.oidc_issuer: "
                "the sign-in page would offer no way in"
            )
        return
    if not values.oidc_client_id:
        raise SettingError("setting svc.auth.oidc_client_id is required with svc.auth.oidc_issuer")
    if values.oidc_client_secret and values.oidc_client_secret_file:
        raise SettingError("set svc.auth.oidc_client_secret or svc.auth.oidc_client_secret_file, not both")
    if values.oidc_client_secret_file:
        try:
            with open(values.oidc_client_secret_file, encoding="utf-8") as file:
                values.oidc_client_secret = file.read().strip()
        except OSError as exc:
            raise SettingError(
                f"setting svc.auth.oidc_client_secret_file = {values.oidc_client_secret_file!r} "
                f"cannot be read ({exc.strerror})"
            ) from None


def auth_settings(global_conf, local_conf):
    """The filter's settings, with its secret loaded and checked."""
    values = read_auth_settings(global_conf, local_conf)
    values.secrets = load_secrets(values, WEB_SETTINGS.parse(global_conf).debug)
    return values


def read_secret_file(path):
    """The secrets in ``path``, one a line, newest (the signing one) first."""
    try:
        with open(path, encoding="utf-8") as file:
            return tuple(line.strip() for line in file if line.strip())
    except OSError as exc:
        raise SettingError(
            f"setting svc.auth.secret_file = {path!r} cannot be read ({exc.strerror}); "
            f"create it with: svc-admin <ini> init"
        ) from None


def load_secrets(values, debug):
    """The secrets, the signing one first; start-up stops with a clear message when one is missing or weak.

    ``svc.auth.secret`` holds them separated by spaces, ``secret_file`` one a line.
    """
    if values.secret and values.secret_file:
        raise SettingError("set svc.auth.secret or svc.auth.secret_file, not both")
    secrets = read_secret_file(values.secret_file) if values.secret_file else tuple(as_list(values.secret or ""))
    if not secrets:
        raise SettingError(
            "the auth filter needs a secret: set svc.auth.secret_file (svc-admin <ini> init creates one)"
        )
    for secret in secrets:
        if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
            raise SettingError(f"an svc.auth secret is shorter than {MIN_SECRET_BYTES} bytes; use a random one")
        if secret == SAMPLE_SECRET:
            if not debug:
                raise SettingError(
                    "the svc.auth secret is the sample from development.ini; "
                    "set svc.auth.secret_file to a file with a random secret (svc-admin <ini> init)"
                )
            log.warning("svc.auth uses the sample development secret: fine for development only")
    return secrets
