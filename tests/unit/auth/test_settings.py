import pytest

from svc.auth.settings import SAMPLE_SECRET, auth_settings
from svc.web.settings import SettingError

GOOD = "x" * 32


def settings(secret=None, secret_file=None, debug="false", **more):
    local = {"svc.auth.db_url": "sqlite://", **more}
    if secret is not None:
        local["svc.auth.secret"] = secret
    if secret_file is not None:
        local["svc.auth.secret_file"] = secret_file
    return auth_settings({"svc.debug": debug}, local)


class TestSecret:
    def test_a_long_random_secret(self):
        assert settings(GOOD).secrets == (GOOD,)

    def test_from_a_file(self, tmp_path):
        path = tmp_path / "secret"
        path.write_text(GOOD + "\n")
        assert settings(secret_file=str(path)).secrets == (GOOD,)

    def test_several_the_first_signs(self, tmp_path):
        path = tmp_path / "secret"
        path.write_text(f"{'n' * 40}\n\n{GOOD}\n")
        assert settings(secret_file=str(path)).secrets == ("n" * 40, GOOD)
        assert settings(f"{'n' * 40} {GOOD}").secrets == ("n" * 40, GOOD)

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({}, "needs a secret"),
            ({"secret": ""}, "needs a secret"),
            ({"secret": "x" * 31}, "shorter than 32 bytes"),
            ({"secret": GOOD + " " + "x" * 31}, "shorter than 32 bytes"),
            ({"secret": SAMPLE_SECRET}, "sample from development.ini"),
            ({"secret_file": "/nonexistent/secret"}, "cannot be read"),
            ({"secret": GOOD, "secret_file": "/x"}, "not both"),
        ],
    )
    def test_start_up_refuses(self, kwargs, message):
        with pytest.raises(SettingError, match=message):
            settings(**kwargs)

    def test_the_sample_secret_works_in_debug_only(self):
        assert settings(SAMPLE_SECRET, debug="true").secrets == (SAMPLE_SECRET,)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("svc.auth.sekret", "x", "unknown setting svc.auth.sekret"),
        ("realm_name", "x", "unknown setting realm_name"),
        ("svc.auth.idle_timeout", "soon", "svc.auth.idle_timeout"),
        ("svc.auth.login_attempts", "lots", "svc.auth.login_attempts"),
        ("svc.auth.trusted_proxies", "not-an-ip", "svc.auth.trusted_proxies"),
        ("svc.auth.argon2_memory_cost", "1", "svc.auth.argon2_memory_cost"),
        ("svc.auth.login_attempts_per_address", "lots", "svc.auth.login_attempts_per_address"),
        ("svc.auth.max_concurrent_hashes", "0", "svc.auth.max_concurrent_hashes"),
        ("svc.auth.max_concurrent_hashes", "many", "svc.auth.max_concurrent_hashes"),
    ],
)
def test_bad_settings_name_the_key(key, value, message):
    with pytest.raises(SettingError, match=message):
        settings(GOOD, **{key: value})


def test_db_url_is_required():
    with pytest.raises(SettingError, match="svc.auth.db_url is required"):
        auth_settings({}, {"svc.auth.secret": GOOD})


@pytest.mark.parametrize("value", [None, "", " "])
def test_hashing_defaults_to_one_slot_per_core(monkeypatch, value):
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    more = {} if value is None else {"svc.auth.max_concurrent_hashes": value}
    assert settings(GOOD, **more).max_concurrent_hashes == 6


def test_hashing_slots_and_address_rate_are_read():
    values = settings(
        GOOD, **{"svc.auth.max_concurrent_hashes": "3", "svc.auth.login_attempts_per_address": "7 per 1 minute"}
    )
    assert values.max_concurrent_hashes == 3
    assert values.login_attempts_per_address == "7 per 1 minute"
