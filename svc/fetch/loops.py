"""Loop refusal: every fetch carries svc's mark in ``Via``, and a request bearing it is refused.

A fetch of an address that leads back to svc (a reverse proxy, a port forward, a sibling
instance) would otherwise be served again, and nested URLs would hold a worker per level.
"""
import hashlib
import hmac
import re
import secrets

from svc.fetch import errors
from svc.web.settings import SettingError

# One Via entry of svc's: a pseudonym (RFC 9110 section 7.6.3), so no host name is disclosed.
_MARK = re.compile(r"^svc-[0-9a-f]{32}$")
# More svc hops than this in one chain is a loop through that many deployments or processes.
MAX_MARKS = 16


def deployment_marks(settings):
    """svc's marks, the one it sends first: ``svc-`` and 32 hex digits, HMAC-SHA256 of a fixed
    label under each auth secret.

    Every process and instance that shares svc.auth.secret (or svc.auth.secret_file) shares
    the marks, and no secret can be recovered from them. The auth secret may be a list while
    it is rotated (the first signs); svc marks with the first and recognises every one, so
    during a rolling restart rotated and unrotated instances still know each other's fetches.
    Without a secret the mark is random for this process; LoopGuard's passing on of marks
    still ends every loop.
    """
    keys = [secret.encode("utf-8") for secret in _secrets(settings)] or [secrets.token_bytes(32)]
    return tuple("svc-" + hmac.new(key, b"svc.fetch loop mark", hashlib.sha256).hexdigest()[:32] for key in keys)


def _secrets(settings):
    """The auth secrets as svc.auth reads them: words of svc.auth.secret, or lines of the file."""
    inline = str(settings.get("svc.auth.secret") or "").split()
    path = str(settings.get("svc.auth.secret_file") or "").strip()
    if inline or not path:
        return inline
    try:
        with open(path, encoding="utf-8") as file:
            return [line.strip() for line in file if line.strip()]
    except OSError as exc:
        raise SettingError(
            f"setting svc.auth.secret_file = {path!r} cannot be read ({exc.strerror}); "
            f"the fetch piece derives its loop mark from it; create it with: svc-admin <ini> init"
        ) from None


class LoopGuard:
    """Judges a request's ``Via`` and says what Via its fetches carry."""

    def __init__(self, marks):
        self.mark = marks[0]
        self.known = frozenset(marks)

    def outgoing_via(self, incoming):
        """The Via value for the fetches of a request that arrived with Via ``incoming``.

        Raise FetchLoop when ``incoming`` holds our mark. Other svc marks are passed on, as
        proxies do, so that a loop through deployments or processes with different marks
        still comes back to one that recognises itself. Nothing else of the caller's Via is.
        """
        marks = []
        for entry in (incoming or "").split(","):
            words = entry.split()
            if len(words) < 2 or not _MARK.match(words[1]):
                continue
            if words[1] in self.known:
                raise errors.FetchLoop("this request was sent by this svc itself: a fetch looped back into svc")
            marks.append(f"1.1 {words[1]}")
        if len(marks) >= MAX_MARKS:
            raise errors.FetchLoop(f"this request has passed through {len(marks)} svc fetches already")
        return ", ".join([*marks, f"1.1 {self.mark}"])
