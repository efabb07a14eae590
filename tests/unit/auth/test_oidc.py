import pytest

from svc.auth.oidc import KEYS_REFRESH_SECONDS, OpenIDSignIn, ProviderMetadata, ProviderSignInFailed
from svc.auth.settings import auth_settings
from tests.oidc_provider import OpenIDProvider


def settings(**more):
    return auth_settings({}, {
        "svc.auth.db_url": "sqlite://",
        "svc.auth.secret": "x" * 32,
        "svc.auth.oidc_issuer": "https://id.example.com",
        "svc.auth.oidc_client_id": "svc",
        **{"svc.auth." + key: value for key, value in more.items()},
    })


class TestAccount:
    def sign_in(self, **more):
        return OpenIDSignIn(settings(oidc_groups_claim="groups", oidc_group_map="idp-ops=ops idp-dev=dev", **more))

    def test_name_and_mapped_groups(self):
        claims = {"preferred_username": "carol", "groups": ["idp-ops", "other", 7]}
        assert self.sign_in().account(claims) == ("carol", {"ops"})

    def test_a_single_group_as_a_string(self):
        assert self.sign_in().account({"preferred_username": "carol", "groups": "idp-dev"}) == ("carol", {"dev"})

    def test_another_user_claim(self):
        assert self.sign_in(oidc_user_claim="email").account({"email": "carol@example.com"})[0] == "carol@example.com"

    @pytest.mark.parametrize("claims", [{}, {"preferred_username": ""}, {"preferred_username": ["carol"]},
                                        {"preferred_username": "a b"}, {"preferred_username": "a\x00"}])
    def test_no_usable_name(self, claims):
        with pytest.raises(ProviderSignInFailed):
            self.sign_in().account(claims)


@pytest.fixture(scope="module")
def provider():
    provider = OpenIDProvider()
    yield provider
    provider.stop()


class TestProviderMetadata:
    def test_keys_are_fetched_again_at_most_once_a_minute(self, provider):
        now = [1000.0]
        metadata = ProviderMetadata(provider.issuer, 5, clock=lambda: now[0])
        first = metadata.keys()
        assert metadata.keys(refresh=True) is first
        now[0] += KEYS_REFRESH_SECONDS
        assert metadata.keys(refresh=True) is not first

    def test_a_document_of_another_issuer_is_refused(self, provider):
        metadata = ProviderMetadata(provider.issuer + "/", 5)
        with pytest.raises(ProviderSignInFailed, match="names the issuer"):
            metadata.document()
