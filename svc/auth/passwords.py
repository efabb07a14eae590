"""Password hashes: argon2id for every new password, and the htpasswd formats we import.

bcrypt (``$2y$``/``$2b$``/``$2a$``) is verified by the ``bcrypt`` package. ``$apr1$`` and
``{SHA}`` are weak and accepted only when ``svc.auth.allow_legacy_hashes`` is set; any
hash that is not argon2id with today's parameters is replaced at the next sign-in.
"""
import base64
import hashlib
import hmac
import secrets

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
LEGACY_PREFIXES = ("$apr1$", "{SHA}")
_BCRYPT_MAX_BYTES = 72  # bcrypt reads no further; Apache's htpasswd truncated there too


class UnsupportedHash(ValueError):
    """An htpasswd hash in a format svc does not accept."""


class Passwords:
    """Hash and verify passwords with argon2id; ``time_cost`` in passes, ``memory_cost`` in KiB."""

    def __init__(self, time_cost=3, memory_cost=65536, parallelism=4, max_bytes=1024):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
        )
        self.max_bytes = max_bytes
        # Unknown users and non-argon2 hashes are also checked against this, so all cost alike.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password):
        return self.hasher.hash(password)

    def too_long(self, password):
        return len(password.encode("utf-8", "surrogatepass")) > self.max_bytes

    def verify(self, stored_hash, password):
        """True when ``password`` matches; ``stored_hash`` None means an unknown user."""
        if stored_hash is not None and stored_hash.startswith("$argon2"):
            return self._verify_argon2(stored_hash, password)
        # Unknown and imported users cost one argon2 run too, so timing tells no one apart.
        self._verify_argon2(self._dummy_hash, password)
        if stored_hash is None:
            return False
        secret = password.encode("utf-8", "surrogatepass")
        if stored_hash.startswith(BCRYPT_PREFIXES):
            try:
                return bcrypt.checkpw(secret[:_BCRYPT_MAX_BYTES], stored_hash.encode("ascii"))
            except ValueError:  # a corrupt stored hash
                return False
        if stored_hash.startswith("$apr1$"):
            return hmac.compare_digest(apr1_md5_crypt(secret, _apr1_salt(stored_hash)), stored_hash)
        if stored_hash.startswith("{SHA}"):
            expected = "{SHA}" + base64.b64encode(hashlib.sha1(secret).digest()).decode("ascii")
            return hmac.compare_digest(expected, stored_hash)
        return False

    def needs_rehash(self, stored_hash):
        """True for any hash that is not argon2id with the parameters configured now."""
        if not stored_hash.startswith("$argon2id$"):
            return True
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def _verify_argon2(self, stored_hash, password):
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def check_importable(stored_hash, allow_legacy):
    """Refuse an htpasswd hash that svc cannot verify or that is too weak to accept."""
    if stored_hash.startswith(("$argon2id$",) + BCRYPT_PREFIXES):
        return
    if stored_hash.startswith(LEGACY_PREFIXES):
        if allow_legacy:
            return
        raise UnsupportedHash(
            f"{stored_hash.split('$')[1] if stored_hash.startswith('$') else 'SHA'} hashes are weak; "
            "set svc.auth.allow_legacy_hashes = true to import them (they are replaced at sign-in)"
        )
    raise UnsupportedHash("unsupported hash format; use bcrypt (htpasswd -B)")


def parse_htpasswd(text):
    """``(line number, user, hash)`` for each entry of an htpasswd file."""
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, colon, stored_hash = line.partition(":")
        yield number, user, stored_hash if colon else ""


# Apache's $apr1$ MD5-crypt, written here because its only Python implementation is in
# passlib, which is unmaintained; it is used solely to verify imported legacy hashes.
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _apr1_salt(stored_hash):
    return stored_hash[len("$apr1$"):].split("$", 1)[0].encode("ascii", "replace")[:8]


def apr1_md5_crypt(password, salt):
    """The ``$apr1$salt$digest`` string for ``password`` and ``salt`` (both bytes)."""
    magic = b"$apr1$"
    alternate = hashlib.md5(password + salt + password).digest()
    context = password + magic + salt
    for remaining in range(len(password), 0, -16):
        context += alternate[: min(16, remaining)]
    length = len(password)
    while length:
        context += b"\x00" if length & 1 else password[:1]
        length >>= 1
    digest = hashlib.md5(context).digest()
    for round_ in range(1000):
        block = password if round_ & 1 else digest
        if round_ % 3:
            block += salt
        if round_ % 7:
            block += password
        block += digest if round_ & 1 else password
        digest = hashlib.md5(block).digest()
    encoded = ""
    for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)):
        encoded += _to64((digest[a] << 16) | (digest[b] << 8) | digest[c], 4)
    encoded += _to64(digest[11], 2)
    return f"$apr1${salt.decode('ascii', 'replace')}${encoded}"


def _to64(value, count):
    out = ""
    for _ in range(count):
        out += _ITOA64[value & 0x3F]
        value >>= 6
    return out
