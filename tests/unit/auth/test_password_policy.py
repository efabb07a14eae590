"""The one rule set every new password passes: svc-admin, the admin API and any password change."""
import pytest

from svc.auth.password_policy import InvalidPassword, check_new_password
from svc.auth.store import StoreError


def check(password, user="frank", min_length=12, max_bytes=1024):
    return check_new_password(password, user, min_length=min_length, max_bytes=max_bytes)


@pytest.mark.parametrize(
    "password, rule",
    [
        ("", "empty"),
        (None, "empty"),
        ("a", "min_password_length"),
        ("eleven char", "min_password_length"),
        ("éééééééééé", "min_password_length"),  # counted in characters, not bytes
        ("frankfrank12", None),
        ("FrankFrank12", None),
        ("x" * 1025, "max_password_bytes"),
        ("é" * 513, "max_password_bytes"),
        ("password1234", "common"),
        ("PASSWORD1234", "common"),  # the list is lowercase; the check is case-insensitive
    ],
)
def test_rules(password, rule):
    if rule is None:
        assert check(password) == password
        return
    with pytest.raises(InvalidPassword) as caught:
        check(password)
    assert caught.value.rule == rule


def test_the_user_name_in_any_case_is_refused():
    with pytest.raises(InvalidPassword, match="user name") as caught:
        check("Frank.Sinatra1", user="frank.sinatra1")
    assert caught.value.rule == "user_name"


def test_messages_name_the_setting():
    with pytest.raises(InvalidPassword, match=r"shorter than 12 characters \(svc.auth.min_password_length\)"):
        check("short")
    with pytest.raises(InvalidPassword, match=r"longer than 1024 bytes \(svc.auth.max_password_bytes\)"):
        check("x" * 2000)


def test_the_minimum_is_a_setting():
    assert check("sixteen!", min_length=8) == "sixteen!"


def test_a_long_passphrase_passes():
    assert check("correct horse battery staple") == "correct horse battery staple"


def test_it_is_a_store_error_so_every_caller_already_reports_it():
    assert issubclass(InvalidPassword, StoreError)
