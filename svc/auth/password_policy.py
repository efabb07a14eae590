"""What a new password must be, after NIST SP 800-63B 5.1.1.2: long, not the user's name, not common.

No composition rules (digits, symbols): length and a list of common passwords do the work.
The list is the 30,000 common passwords that zxcvbn ships, loaded on first use.
svc-admin and the admin API both reach this through Administration.add_user and set_password.
"""
import functools

from svc.auth.store import StoreError


class InvalidPassword(StoreError):
    """A new password svc will not store; ``rule`` names the rule it breaks."""

    def __init__(self, rule, message):
        self.rule = rule
        super().__init__(message)


@functools.cache
def common_passwords():
    """The common passwords, lowercase (as zxcvbn ships them)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 13 MB of lists: only where passwords are set

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_new_password(password, user, *, min_length, max_bytes):
    """``password`` when ``user`` may have it; else raises InvalidPassword.

    ``min_length`` counts characters (code points), ``max_bytes`` the UTF-8 bytes that are hashed.
    """
    if not isinstance(password, str) or not password:
        raise InvalidPassword("empty", "the password is empty")
    if len(password.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InvalidPassword(
            "max_password_bytes", f"the password is longer than {max_bytes} bytes (svc.auth.max_password_bytes)"
        )
    if len(password) < min_length:
        raise InvalidPassword(
            "min_password_length",
            f"the password is shorter than {min_length} characters (svc.auth.min_password_length)",
        )
    if isinstance(user, str) and password.casefold() == user.casefold():
        raise InvalidPassword("user_name", "the password is the user name")
    if password.lower() in common_passwords():
        raise InvalidPassword("common", "the password is one of the most common passwords; choose another")
    return password
