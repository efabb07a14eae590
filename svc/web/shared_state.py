"""Redis, for the state every worker and instance must share: the one place svc talks to it.

Opt-in by URL (``svc.auth.redis_url``); the ``redis`` package is the ``svc[redis]`` extra.
Every connection has connect and read timeouts, so a Redis that is down or stuck costs a
request at most TIMEOUT seconds, never a hung worker.
"""
from svc.web.settings import SettingError

TIMEOUT = 1.0  # seconds to connect, and to wait for each answer
HEALTH_CHECK_SECONDS = 15  # an idle connection is pinged before reuse after this long


def redis_client(url, setting="svc.auth.redis_url"):
    """A ``redis.Redis`` for ``url`` with timeouts; fails at start-up when the extra is missing."""
    try:
        import redis
    except ImportError:
        raise SettingError(f"setting {setting} needs the redis package: pip install 'svc[redis]'") from None
    try:
        pool = redis.ConnectionPool.from_url(
            url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT, health_check_interval=HEALTH_CHECK_SECONDS
        )
    except ValueError as exc:
        raise SettingError(f"setting {setting} = {url!r}: {exc}") from None
    return redis.Redis(connection_pool=pool)


def unavailable_errors():
    """The exceptions that mean Redis is down or too slow (the storage errors of limits included)."""
    import redis
    from limits.errors import StorageError

    return (redis.RedisError, OSError, StorageError)
