"""Bulk lookups: many names in, a CSV streamed out in input order as the answers come in."""
import csv
import io
from collections import deque

from svc.dns.lookup import finish_lookup, start_lookup
from svc.web.problems import Problem, invalid_request

COLUMNS = ("name", "family", "address", "error")
# Cells a spreadsheet would run as a formula (OWASP "CSV injection") get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}


def read_lines(request, max_lines, max_bytes):
    """The non-blank lines of a ``text/plain`` body or of the ``file`` field of a form upload.

    Lines starting with ``#`` are comments. Too many lines or bytes is a 413, refused before
    a lookup starts (a streamed response cannot change its status later).
    """
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise Problem(413, f"the body is {declared} bytes; at most {max_bytes}")
    content_type = request.content_type
    if content_type == "multipart/form-data":
        data = _uploaded_file(request, max_bytes)
    elif content_type == "text/plain":
        data = request.body_file.read(max_bytes + 1)
    else:
        raise Problem(
            415,
            f"send names as text/plain or as the file field of multipart/form-data, "
            f"not {content_type or 'no content type'}",
            headers={"Accept-Post": "text/plain, multipart/form-data"},
        )
    if len(data) > max_bytes:
        raise Problem(413, f"the names are over {max_bytes} bytes")
    lines = [line.strip() for line in data.splitlines()]
    lines = [line for line in lines if line and not line.startswith(b"#")]
    if not lines:
        raise invalid_request("no names given: send one name per line")
    if len(lines) > max_lines:
        raise Problem(413, f"{len(lines)} names given; at most {max_lines} per request")
    return lines


def _uploaded_file(request, max_bytes):
    field = request.POST.get("file")  # a body that does not parse is svc's request's 400
    if field is None:
        raise invalid_request("the form has no file field; upload the names as file")
    if isinstance(field, str):
        return field.encode("utf-8")
    return field.file.read(max_bytes + 1)


def csv_rows(lookup, lines, family, strict, window):
    """The CSV, a chunk at a time: a header, then one row per line in input order.

    At most ``window`` lookups of this request run at once; each chunk holds every row that is
    ready, so a slow name delays the rows after it but never the ones before it.
    """
    pending = deque()
    remaining = iter(lines)

    def fill():
        while len(pending) < window:
            line = next(remaining, None)
            if line is None:
                return
            pending.append(_start(lookup, line, family, strict))

    try:
        fill()
        yield _row(COLUMNS).encode("utf-8")
        while pending:
            chunk = []
            while pending and (not chunk or _ready(pending[0])):
                chunk.append(_finish(lookup, pending.popleft(), family, strict))
                fill()
            yield "".join(chunk).encode("utf-8")
    finally:
        for _, started, _ in pending:
            if started is not None and started.future is not None:
                started.future.cancel()


def _start(lookup, line, family, strict):
    """(name as shown, started lookup or None, error or None)."""
    try:
        name = line.decode("utf-8")
    except UnicodeDecodeError:
        return (line.decode("utf-8", "backslashreplace"), None, "the line is not valid UTF-8")
    try:
        return (name, start_lookup(lookup, name, family, strict), None)
    except Problem as exc:
        return (name, None, exc.detail)


def _ready(item):
    started = item[1]
    return started is None or started.future is None or started.future.done()


def _finish(lookup, item, family, strict):
    name, started, error = item
    if started is None:
        return _row((name, "", "", error))
    try:
        result = finish_lookup(lookup, started, family, strict)
    except Problem as exc:
        return _row((name, "", "", exc.detail))
    return _row((name, result["family"], result["address"], ""))


def _row(values):
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(str(v)) for v in values])
    return buffer.getvalue()


def _cell(text):
    text = text.translate(_CONTROL_ESCAPES)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
