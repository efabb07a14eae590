"""What a user, group or permission name may be: checked before anything reaches the store.

Plain Python, so ``egg:svc#require`` checks its permission without loading SQLAlchemy.
"""
import re

NAME_LENGTH = 150
PERMISSION_LENGTH = 64

# Any printable name without spaces or colons (Basic auth cannot carry a colon in a user name).
_NAME = re.compile(r"^[^\s:@\x00-\x1f\x7f][^\s:\x00-\x1f\x7f]{0,%d}$" % (NAME_LENGTH - 1))
_PERMISSION = re.compile(r"^[a-z][a-z0-9_.:-]{0,%d}$" % (PERMISSION_LENGTH - 1))


class InvalidName(ValueError):
    """A user, group or permission name svc will not store; the message is fit to show."""


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
