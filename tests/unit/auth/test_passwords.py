import base64
import hashlib

import bcrypt
import pytest

from svc.auth.passwords import (
    Passwords,
    UnsupportedHash,
    apr1_md5_crypt,
    check_importable,
    parse_htpasswd,
)


@pytest.fixture(scope="module")
def passwords():
    return Passwords(time_cost=1, memory_cost=8, parallelism=1)


class TestArgon2:
    def test_new_hashes_are_argon2id_and_verify(self, passwords):
        stored = passwords.hash("s3cret")
        assert stored.startswith("$argon2id$")
        assert passwords.verify(stored, "s3cret")
        assert not passwords.verify(stored, "S3cret")

    def test_changed_parameters_ask_for_a_rehash(self, passwords):
        stored = passwords.hash("pw")
        assert not passwords.needs_rehash(stored)
        stronger = Passwords(time_cost=2, memory_cost=16, parallelism=1)
        assert stronger.needs_rehash(stored)
        assert stronger.verify(stored, "pw")  # the old hash still verifies until it is replaced

    def test_unknown_user_is_checked_against_a_dummy_hash(self, passwords, monkeypatch):
        calls = []
        original = passwords._verify_argon2
        monkeypatch.setattr(passwords, "_verify_argon2", lambda h, p: calls.append(h) or original(h, p))
        assert passwords.verify(None, "anything") is False
        assert len(calls) == 1 and calls[0].startswith("$argon2id$")

    @pytest.mark.parametrize(
        "stored",
        [bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode(), "$apr1$ab$HDnxNS1M3PPbjU1tC/KIj1", "{SHA}x=", "garbage"],
    )
    def test_a_hash_that_is_not_argon2_also_costs_one_argon2_run(self, passwords, monkeypatch, stored):
        """Imported users answer as slowly as everyone else, so timing does not reveal them."""
        calls = []
        original = passwords._verify_argon2
        monkeypatch.setattr(passwords, "_verify_argon2", lambda h, p: calls.append(h) or original(h, p))
        passwords.verify(stored, "wrong")
        assert calls == [passwords._dummy_hash]

    @pytest.mark.parametrize("stored", ["", "garbage", "$argon2id$broken", "$2b$04$short"])
    def test_corrupt_hashes_never_verify(self, passwords, stored):
        assert passwords.verify(stored, "pw") is False

    def test_too_long_counts_bytes(self):
        passwords = Passwords(time_cost=1, memory_cost=8, parallelism=1, max_bytes=4)
        assert not passwords.too_long("abcd")
        assert passwords.too_long("abcé")


class TestHtpasswdHashes:
    @pytest.mark.parametrize("prefix", [b"$2b$", b"$2y$", b"$2a$"])
    def test_bcrypt_variants(self, passwords, prefix):
        stored = (prefix + bcrypt.hashpw(b"pw", bcrypt.gensalt(4))[4:]).decode()
        assert passwords.verify(stored, "pw")
        assert not passwords.verify(stored, "px")
        assert passwords.needs_rehash(stored)

    def test_bcrypt_reads_72_bytes_like_apache(self, passwords):
        long_password = "x" * 100
        stored = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
        assert passwords.verify(stored, long_password)

    def test_apr1_matches_openssl(self, passwords):
        # openssl passwd -apr1 -salt r31xyzAB myPassword
        stored = "$apr1$r31xyzAB$5GzHsL9kViwKo1wuJcm/Y."
        assert apr1_md5_crypt(b"myPassword", b"r31xyzAB") == stored
        assert passwords.verify(stored, "myPassword")
        assert not passwords.verify(stored, "mypassword")
        # openssl passwd -apr1 -salt ab 'p@ss wörd'
        assert passwords.verify("$apr1$ab$HDnxNS1M3PPbjU1tC/KIj1", "p@ss wörd")

    def test_sha(self, passwords):
        stored = "{SHA}" + base64.b64encode(hashlib.sha1(b"pw").digest()).decode()
        assert passwords.verify(stored, "pw")
        assert not passwords.verify(stored, "pW")

    @pytest.mark.parametrize(
        "stored, legacy_ok",
        [("$2y$05$abc", True), ("$2b$05$abc", True), ("$argon2id$v=19$x", True), ("$apr1$a$b", False), ("{SHA}x", False)],
    )
    def test_importable_without_legacy(self, stored, legacy_ok):
        if legacy_ok:
            check_importable(stored, allow_legacy=False)
        else:
            with pytest.raises(UnsupportedHash, match="allow_legacy_hashes"):
                check_importable(stored, allow_legacy=False)
            check_importable(stored, allow_legacy=True)

    @pytest.mark.parametrize("stored", ["plaintext", "$1$abc$def", "$6$salt$hash", "abJnggxhB/yWI", ""])
    def test_other_formats_are_refused_always(self, stored):
        with pytest.raises(UnsupportedHash):
            check_importable(stored, allow_legacy=True)

    def test_parse_htpasswd(self):
        text = "# comment\n\nalice:$2y$05$abc\nbob\n  carol:{SHA}x=  \n"
        assert list(parse_htpasswd(text)) == [(3, "alice", "$2y$05$abc"), (4, "bob", ""), (5, "carol", "{SHA}x=")]
