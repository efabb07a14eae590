"""The response head as the curl engine reads it from libcurl's header lines."""


def parse_head(lines):
    """(status, [(name, value)]) of the final response head in ``lines``, or None while
    only interim (1xx) heads are complete. Lines after it are trailers, not read."""
    status = None
    headers = []
    for line in lines:
        text = line.decode("latin-1").rstrip("\r\n")
        if text.startswith("HTTP/"):
            parts = text.split(None, 2)
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            headers = []
        elif not text:
            if status is not None and not 100 <= status < 200:
                return status, headers
        elif text[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {text.strip()}")
        else:
            name, colon, value = text.partition(":")
            if colon and name and name == name.strip():
                headers.append((name, value.strip()))
    return None
