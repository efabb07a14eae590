"""Bulk lookups: many names in, a CSV streamed out in input order as the answers come in."""
import csv
import functools
import io
from collections import deque

from svc.dns.errors import DnsError, InvalidQuery, LookupTimeout, QueryTooLarge, UnsupportedContent
from svc.dns.lookup import NoWorkerInTime, finish_lookup, start_lookup

COLUMNS = ("name", "family", "address", "error")
# Cells a spreadsheet would run as a formula (OWASP "CSV injection") get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}


def read_lines(request, max_lines, max_bytes):
    """The non-blank lines of a ``text/plain`` body, or of the ``file`` or ``names`` field of a form.

    Lines starting with ``#`` are comments. Too many lines or bytes is a 413, refused before
    a lookup starts (a streamed response cannot change its status later).
    """
    declared = request.content_length
    if declared is not None and declared > max_bytes:
        raise QueryTooLarge(f"the body is {declared} bytes; at most {max_bytes}")
    content_type = request.content_type
    if content_type == "multipart/form-data":
        data = _uploaded_file(request, max_bytes)
    elif content_type == "text/plain":
        data = request.body_file.read(max_bytes + 1)
    else:
        raise UnsupportedContent(
            f"send names as text/plain or as the file field of multipart/form-data, "
            f"not {content_type or 'no content type'}",
            accepted="text/plain, multipart/form-data",
        )
    if len(data) > max_bytes:
        raise QueryTooLarge(f"the names are over {max_bytes} bytes")
    lines = [line.strip() for line in data.splitlines()]
    lines = [line for line in lines if line and not line.startswith(b"#")]
    if not lines:
        raise InvalidQuery("no names given: send one name per line")
    if len(lines) > max_lines:
        raise QueryTooLarge(f"{len(lines)} names given; at most {max_lines} per request")
    return lines


def _uploaded_file(request, max_bytes):
    """The ``file`` field's content or, when no file was chosen, the ``names`` field (a textarea)."""
    form = request.POST  # a body that does not parse is svc's request's 400
    fields = [form.get(name) for name in ("file", "names")]
    if all(field is None for field in fields):
        raise InvalidQuery("the form has no file field and no names field; upload the names as file")
    data = b""
    for field in fields:
        data = _field_bytes(field, max_bytes)
        if data.strip():
            break
    return data


def _field_bytes(field, max_bytes):
    if field is None:
        return b""
    if isinstance(field, str):
        return field.encode("utf-8")
    if isinstance(field, bytes):  # a file input with no file chosen
        return field
    return field.file.read(max_bytes + 1)


def csv_rows(lookup, lines, family, strict, window, deadline):
    """The CSV, a chunk at a time: a header, then one row per line in input order.

    At most ``window`` lookups of this request hold a lookup worker at once, each until its
    backend returns (BulkShare); each chunk holds every row that is ready, so a slow name delays
    the rows after it but never the ones before it. Once ``deadline`` seconds have passed, the
    remaining rows say timeout and the stream ends.
    """
    share = lookup.bulk_share(window)
    until = lookup.clock() + deadline
    timeout = f"timeout: the bulk deadline of {deadline:g} s passed"
    todo = deque(lines)
    pending = deque()

    def fill(wait):
        """Start lookups while the window has room; wait for a worker only when none is pending."""
        while todo and len(pending) < window and lookup.clock() < until:
            item = _start(lookup, todo[0], family, strict, share, until if wait and not pending else 0)
            if item is None:
                return
            todo.popleft()
            pending.append(item)

    try:
        yield _row(COLUMNS).encode("utf-8")
        while True:
            fill(wait=not pending)
            if not pending:
                break
            chunk = []
            while pending and (not chunk or _ready(pending[0])):
                chunk.append(_finish(lookup, pending.popleft(), family, strict, until, timeout))
                fill(wait=False)
            yield "".join(chunk).encode("utf-8")
        if todo:
            yield "".join(_row((_shown(line), "", "", timeout)) for line in todo).encode("utf-8")
    finally:
        for _, started, _ in pending:
            if started is not None and started.future is not None:
                started.future.cancel()


def _start(lookup, line, family, strict, share, until):
    """(name as shown, started lookup or None, error or None); None when no worker of ``share``
    frees up before ``until``."""
    try:
        name = line.decode("utf-8")
    except UnicodeDecodeError:
        return (_shown(line), None, "the line is not valid UTF-8")
    submit = functools.partial(share.submit, until=until)
    try:
        return (name, start_lookup(lookup, name, family, strict, submit), None)
    except NoWorkerInTime:
        return None
    except DnsError as exc:
        return (name, None, str(exc))


def _shown(line):
    return line.decode("utf-8", "backslashreplace")


def _ready(item):
    started = item[1]
    return started is None or started.future is None or started.future.done()


def _finish(lookup, item, family, strict, until, timeout):
    name, started, error = item
    if started is None:
        return _row((name, "", "", error))
    try:
        result = finish_lookup(lookup, started, family, strict, until)
    except LookupTimeout as exc:
        return _row((name, "", "", timeout if lookup.clock() >= until else str(exc)))
    except DnsError as exc:
        return _row((name, "", "", str(exc)))
    return _row((name, result["family"], result["address"], ""))


def _row(values):
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(str(v)) for v in values])
    return buffer.getvalue()


def _cell(text):
    text = text.translate(_CONTROL_ESCAPES)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
