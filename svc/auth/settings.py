"""The ``svc.auth.*`` settings of the auth filter, and the start-up checks of its secret."""
import ipaddress
import logging
import os

from limits import parse as parse_rate

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
    throttle_storage=(as_text, "memory://"),
    trusted_proxies=(as_networks, ()),
    allow_legacy_hashes=(as_bool, False),
    # NIST SP 800-63B asks for 8 at the very least; see svc/auth/password_policy.py
    min_password_length=(as_int(8, 1024), 12),
    strip_headers=(as_list, ()),
    pass_authorization=(as_mount_paths, ()),
    audit_log=(as_bool, False),  # also write each audit entry as a JSON line to the svc.audit logger
)


def read_auth_settings(global_conf, local_conf):
    """``svc.auth.*`` from [DEFAULT], then the filter section's own keys; no secret yet."""
    values = SETTINGS.parse(with_defaults(global_conf, local_conf, "svc.auth."), strict=True)
    if not values.db_url:
        raise SettingError("setting svc.auth.db_url is required (a SQLAlchemy URL such as sqlite:///var/svc.sqlite)")
    return values


def auth_settings(global_conf, local_conf):
    """The filter's settings, with its secret loaded and checked."""
    values = read_auth_settings(global_conf, local_conf)
    values.secret = load_secret(values, WEB_SETTINGS.parse(global_conf).debug)
    return values


def load_secret(values, debug):
    """The signing secret; start-up stops with a clear message when it is missing or weak."""
    if values.secret and values.secret_file:
        raise SettingError("set svc.auth.secret or svc.auth.secret_file, not both")
    secret = values.secret
    if values.secret_file:
        try:
            with open(values.secret_file, encoding="utf-8") as file:
                secret = file.read().strip()
        except OSError as exc:
            raise SettingError(
                f"setting svc.auth.secret_file = {values.secret_file!r} cannot be read ({exc.strerror}); "
                f"create it with: svc-admin <ini> init"
            ) from None
    if not secret:
        raise SettingError(
            "the auth filter needs a secret: set svc.auth.secret_file (svc-admin <ini> init creates one)"
        )
    if len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise SettingError(f"the svc.auth secret is shorter than {MIN_SECRET_BYTES} bytes; use a random one")
    if secret == SAMPLE_SECRET:
        if not debug:
            raise SettingError(
                "the svc.auth secret is the sample from development.ini; "
                "set svc.auth.secret_file to a file with a random secret (svc-admin <ini> init)"
            )
        log.warning("svc.auth uses the sample development secret: fine for development only")
    return secret
