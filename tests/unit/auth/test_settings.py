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


class TestOpenIDConnect:
    ISSUER = {"svc.auth.oidc_issuer": "https://id.example.com", "svc.auth.oidc_client_id": "svc"}

    def test_off_by_default_and_the_password_form_on(self):
        values = settings(GOOD)
        assert values.oidc_issuer is None and values.password_sign_in is True

    def test_a_full_configuration(self, tmp_path):
        secret = tmp_path / "client-secret"
        secret.write_text("s3cret\n")
        values = settings(
            GOOD,
            **self.ISSUER,
            **{
                "svc.auth.oidc_client_secret_file": str(secret),
                "svc.auth.oidc_scopes": "openid email groups",
                "svc.auth.oidc_group_map": "idp-admins=admin, staff=dns-users",
                "svc.auth.oidc_create_users": "true",
                "svc.auth.password_sign_in": "false",
            },
        )
        assert values.oidc_client_secret == "s3cret"
        assert values.oidc_scopes == ("openid", "email", "groups")
        assert values.oidc_group_map == {"idp-admins": "admin", "staff": "dns-users"}
        assert values.oidc_create_users is True and values.password_sign_in is False

    def test_http_is_allowed_for_a_provider_on_loopback_only(self):
        assert settings(GOOD, **{**self.ISSUER, "svc.auth.oidc_issuer": "http://127.0.0.1:9000"}).oidc_issuer

    @pytest.mark.parametrize(
        "more, message",
        [
            ({"svc.auth.oidc_issuer": "http://id.example.com"}, "svc.auth.oidc_issuer .* https"),
            ({"svc.auth.oidc_issuer": "https://id.example.com/?tenant=1"}, "svc.auth.oidc_issuer .* query"),
            ({"svc.auth.oidc_issuer": "id.example.com"}, "svc.auth.oidc_issuer"),
            ({"svc.auth.oidc_client_id": ""}, "svc.auth.oidc_client_id is required with"),
            ({"svc.auth.oidc_scopes": "email profile"}, "svc.auth.oidc_scopes .* openid"),
            ({"svc.auth.oidc_group_map": "admins"}, "svc.auth.oidc_group_map .* provider-group=svc-group"),
            ({"svc.auth.oidc_group_map": "a=bad name!"}, "svc.auth.oidc_group_map"),
            ({"svc.auth.oidc_clock_skew": "-1"}, "svc.auth.oidc_clock_skew"),
            ({"svc.auth.oidc_create_users": "maybe"}, "svc.auth.oidc_create_users"),
            ({"svc.auth.oidc_client_secret": "a", "svc.auth.oidc_client_secret_file": "/x"}, "not both"),
            ({"svc.auth.oidc_client_secret_file": "/nonexistent/secret"}, "svc.auth.oidc_client_secret_file .* cannot"),
            ({"svc.auth.oidc_redirect_uri": "/relative"}, "svc.auth.oidc_redirect_uri"),
            ({"svc.auth.oidc_claim": "x"}, "unknown setting svc.auth.oidc_claim"),
        ],
    )
    def test_start_up_refuses(self, more, message):
        with pytest.raises(SettingError, match=message):
            settings(GOOD, **{**self.ISSUER, **more})

    def test_the_password_form_cannot_be_off_without_a_provider(self):
        with pytest.raises(SettingError, match="svc.auth.password_sign_in = false needs svc.auth.oidc_issuer"):
            settings(GOOD, **{"svc.auth.password_sign_in": "false"})

    def test_a_provider_setting_without_the_issuer_is_refused(self):
        with pytest.raises(SettingError, match="svc.auth.oidc_client_id is set but svc.auth.oidc_issuer is not"):
            settings(GOOD, **{"svc.auth.oidc_client_id": "svc"})
