"""``/echo``: the request as svc sees it after the front door and the auth filter (httpbin's
``/anything``), for debugging a chain of proxies. Secrets in it are masked."""
from svc.auth.credentials import client_ip
from svc.auth.identity import SERVICE_KEY
from svc.web.logs import REQUEST_ID_KEY
from svc.web.params import query

MASKED = "[masked]"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")  # not TRACE, which would echo back anyway


def mask(name, value):
    """Authorization keeps its scheme, Cookie its names; every secret value is replaced."""
    lowered = name.lower()
    if lowered == "authorization":
        scheme, _, rest = value.partition(" ")
        return f"{scheme} {MASKED}" if rest else MASKED
    if lowered == "cookie":
        return "; ".join(f"{pair.partition('=')[0].strip()}={MASKED}" for pair in value.split(";") if pair.strip())
    return value


def describe(request):
    environ = request.environ
    service = environ.get(SERVICE_KEY)
    trusted = service.settings.trusted_proxies if service is not None else ()
    return {
        "method": request.method,
        "scheme": request.scheme,
        "host": request.host,
        "path": request.path,
        "query": request.query_string,
        "args": {key: query(request).getall(key) for key in query(request)},
        "headers": {name: mask(name, value) for name, value in request.headers.items()},
        "client": client_ip(environ, trusted),
        "remote_user": environ.get("REMOTE_USER"),
        "request_id": environ.get(REQUEST_ID_KEY),
        "mount": request.script_name,
    }
