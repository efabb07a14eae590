"""The envelope: the whole upstream answer as one JSON document."""
import base64
import time


def envelope(fetched, response_filter):
    """Read the (decoded, capped) body of ``fetched`` and describe the answer as a dict."""
    exchange = fetched.exchange
    body = exchange.read()
    total = time.monotonic() - fetched.started
    headers = response_filter(exchange.headers)
    text = _as_text(body, _charset(headers))
    grouped = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value)
    timings = exchange.timings
    return {
        "status": exchange.status,
        "headers": grouped,
        "body": text if text is not None else base64.b64encode(body).decode("ascii"),
        "body_base64": text is None,
        "final_url": fetched.target.url,
        "redirects": fetched.redirects,
        "timings_ms": {
            "dns": _ms(fetched.dns),
            "connect": _ms(timings.connect),
            "tls": _ms(timings.tls),
            "ttfb": _ms(timings.ttfb),
            "total": _ms(total),
        },
    }


def _ms(seconds):
    return round(seconds * 1000, 3)


def _charset(headers):
    for name, value in headers:
        if name.lower() == "content-type":
            for param in value.split(";")[1:]:
                key, _, charset = param.partition("=")
                if key.strip().lower() == "charset":
                    return charset.strip().strip('"')
    return None


def _as_text(body, charset):
    """The body as text when it decodes cleanly in its declared charset (else UTF-8), or None."""
    for encoding in filter(None, (charset, "utf-8")):
        try:
            return body.decode(encoding)
        except LookupError:  # an unknown charset, or a codec that is not a text encoding
            continue
        except UnicodeDecodeError:
            return None
    return None
