"""What a user, group, permission, token label or password hash may be: checked before
anything reaches the store (and by the store again, so no caller can skip it).

Plain Python, so ``egg:svc#require`` checks its permission without loading SQLAlchemy.
"""
import re

NAME_LENGTH = 150
PERMISSION_LENGTH = 64
HASH_LENGTH = 255
# A token's longest lifetime in seconds: a thousand years is "never" for anyone, and keeps every
# expiry inside 64 bits and the dates Python can print.
MAX_LIFETIME = 1000 * 365 * 24 * 3600
# Token ids are 32-bit in every database.
MAX_ID = 2**31 - 1
ANONYMOUS = "anonymous"  # the group whose grants ("@anonymous") hold for every caller (svc/auth/public.py)

# Any printable name without spaces or colons (Basic auth cannot carry a colon in a user name);
# no lone surrogate either, which no database can encode.
_NAME = re.compile(r"^[^\s:@\x00-\x1f\x7f\ud800-\udfff][^\s:\x00-\x1f\x7f\ud800-\udfff]{0,%d}$" % (NAME_LENGTH - 1))
_PERMISSION = re.compile(r"^[a-z][a-z0-9_.:-]{0,%d}$" % (PERMISSION_LENGTH - 1))
_LABEL = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]*")
# Every hash format svc reads (argon2, bcrypt, apr1, {SHA}, crypt) is printable ASCII.
_HASH = re.compile(r"[\x21-\x7e]{1,%d}" % HASH_LENGTH)


class InvalidName(ValueError):
    """A user, group or permission name svc will not store; the message is fit to show."""


class InvalidValue(ValueError):
    """A label, hash or lifetime the database cannot hold or svc will not store."""


def check_name(name, kind="user"):
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidName(
            f"{kind} names are 1 to {NAME_LENGTH} characters without spaces, colons or a leading @"
        )
    return name


def check_permission(permission):
    if not isinstance(permission, str) or not _PERMISSION.fullmatch(permission):
        raise InvalidName(
            f"permissions are lowercase words of up to {PERMISSION_LENGTH} characters "
            "(letters, digits, _ . : -), starting with a letter"
        )
    return permission


def check_hash(password_hash):
    if password_hash is not None and not (isinstance(password_hash, str) and _HASH.fullmatch(password_hash)):
        raise InvalidValue(f"a password hash is 1 to {HASH_LENGTH} printable ASCII characters")
    return password_hash


def check_label(label):
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise InvalidValue("a token label is text without control characters")
    return label[:NAME_LENGTH]


def check_lifetime(lifetime):
    if lifetime is not None and not 0 < lifetime <= MAX_LIFETIME:
        raise InvalidValue(f"a token lifetime is 1 to {MAX_LIFETIME} seconds (a thousand years)")
    return lifetime
