"""Attacks on the sign-in (issue 8, items 4, 7 and 14), through production.ini on a temporary database."""
import statistics
import threading
import time

import bcrypt
import pytest
from webtest import TestApp

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load

PASSWORD = "correct horse"
BUSY_TYPE = "https://svc.invalid/problems/sign-in-busy"
THROTTLED_TYPE = "https://svc.invalid/problems/too-many-sign-ins"


def world_with(auth_conf, **settings):
    return AuthWorld(load("production.ini", **{**auth_conf, **{f"svc.auth.{k}": v for k, v in settings.items()}}))


def browser(world, **environ):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", **environ})


def whoami(world, user, password=PASSWORD, address="192.0.2.1", status="*", app=None):
    headers = {"Authorization": basic(user, password)}
    return (app or world.app).get("/auth/whoami", headers=headers, extra_environ={"REMOTE_ADDR": address}, status=status)


class TestCredentialFloodFromOneAddress:
    """Item 4: random Basic credentials, each costing an argon2 run."""

    def test_many_user_names_from_one_address_are_throttled_while_another_address_signs_in(self, auth_conf):
        world = world_with(auth_conf, login_attempts_per_address="10 per 15 minutes")
        world.user("alice")
        for n in range(10):
            whoami(world, f"guess{n}", "wrong", address="198.51.100.7", status=401)
        hashed = []
        world.service.identification.passwords = _Counting(world.service.identification.passwords, hashed)
        locked = whoami(world, "alice", address="198.51.100.7", status=429)
        assert 0 < int(locked.headers["Retry-After"]) <= 900
        assert locked.content_type == "application/problem+json"
        assert locked.json["type"] == THROTTLED_TYPE
        form = world.sign_in(browser(world, REMOTE_ADDR="198.51.100.7"), "alice")
        assert form.status_int == 429 and form.headers["Retry-After"]
        assert hashed == []  # a throttled attempt costs no hashing
        assert whoami(world, "alice", address="203.0.113.9").json["user"] == "alice"

    def test_an_ipv6_client_counts_as_its_whole_64(self, auth_conf):
        world = world_with(auth_conf, login_attempts_per_address="3 per 15 minutes")
        world.user("alice")
        for n in range(3):
            whoami(world, f"guess{n}", "wrong", address=f"2001:db8:0:1::{n + 1}", status=401)
        whoami(world, "alice", address="2001:db8:0:1:ffff::9", status=429)
        assert whoami(world, "alice", address="2001:db8:0:2::1").json["user"] == "alice"

    def test_a_successful_sign_in_does_not_reset_the_address_count(self, auth_conf):
        world = world_with(auth_conf, login_attempts_per_address="3 per 15 minutes")
        world.user("alice")
        for n in range(2):
            whoami(world, f"guess{n}", "wrong", address="198.51.100.7", status=401)
        whoami(world, "alice", address="198.51.100.7", status=200)
        whoami(world, "guess9", "wrong", address="198.51.100.7", status=401)
        whoami(world, "guess10", "wrong", address="198.51.100.7", status=429)

    def test_a_sign_in_past_the_hash_cap_gets_503_at_once(self, auth_conf):
        world = world_with(auth_conf, max_concurrent_hashes="1", basic_cache_seconds="0")
        world.user("alice")
        world.user("bob")
        gate = _Gate(world.service.identification.passwords)
        world.service.identification.passwords = gate
        holder = threading.Thread(target=lambda: gate.results.append(whoami(world, "alice", app=browser(world)).status_int))
        holder.start()
        try:
            assert gate.entered.wait(30)
            busy = whoami(world, "bob", status=503)
            assert busy.content_type == "application/problem+json"
            assert busy.json["type"] == BUSY_TYPE
            assert int(busy.headers["Retry-After"]) >= 1
            form = world.sign_in(browser(world), "bob")
            assert form.status_int == 503 and form.headers["Retry-After"]
            assert holder.is_alive()  # answered while the one slot was still held: nothing queued
        finally:
            gate.release.set()
            holder.join(30)
        assert gate.results == [200]
        assert whoami(world, "bob").json["user"] == "bob"  # the slot came back


class _Counting:
    """Passwords that record every verify."""

    def __init__(self, passwords, calls):
        self._passwords = passwords
        self._calls = calls

    def __getattr__(self, name):
        return getattr(self._passwords, name)

    def verify(self, stored_hash, password):
        self._calls.append(stored_hash)
        return self._passwords.verify(stored_hash, password)


class _Gate:
    """Passwords whose first verify waits until released, holding its hashing slot."""

    def __init__(self, passwords):
        self._passwords = passwords
        self.entered = threading.Event()
        self.release = threading.Event()
        self.results = []

    def __getattr__(self, name):
        return getattr(self._passwords, name)

    def verify(self, stored_hash, password):
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(30)
        return self._passwords.verify(stored_hash, password)


CONTROL_NAMES = ["a\x00b", "\x00", "alice\x00", "alice\x7f", "alice\n", "al\rice", "a\tb", "\x1b[31malice", "\x01", "\x1f"]


class TestControlCharactersInUserNames:
    """Item 7: a NUL or control character in a user name never reaches the database."""

    @pytest.fixture
    def world(self, auth_conf):
        world = world_with(auth_conf)
        world.user("alice")
        world.asked = []
        credentials = world.service.store.credentials
        world.service.store.credentials = lambda name: world.asked.append(name) or credentials(name)
        return world

    @pytest.mark.parametrize("name", CONTROL_NAMES)
    def test_basic_with_a_control_character_is_401_without_asking_the_store(self, world, name):
        response = whoami(world, name, status=401)
        assert response.content_type == "application/problem+json"
        assert response.json["detail"] == "The user name or password is wrong"
        assert world.asked == []

    @pytest.mark.parametrize("name", CONTROL_NAMES)
    def test_the_form_with_a_control_character_shows_its_error_without_asking_the_store(self, world, name):
        response = world.sign_in(browser(world), name)
        assert response.status_int == 400
        assert "The user name or password is wrong" in response.text
        assert world.asked == []

    def test_a_valid_name_still_asks_the_store(self, world):
        whoami(world, "alice", status=200)
        assert world.asked == ["alice"]


@pytest.mark.slow
def test_sign_in_timing_is_the_same_for_unknown_argon2_and_imported_bcrypt_users(auth_conf):
    """Item 14: wrong passwords take as long whether the user is unknown, argon2 or bcrypt."""
    # argon2 cheaper than production but still far above bcrypt cost 4, the ratio the attack measured.
    world = world_with(
        auth_conf, argon2_time_cost="1", argon2_memory_cost="32768", argon2_parallelism="1",
        login_attempts="1000 per 1 minute", login_attempts_per_address="1000 per 1 minute",
    )
    world.user("alice")
    world.service.admin.import_htpasswd("carol:" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode() + "\n")
    kinds = {"unknown": "nobody", "argon2": "alice", "bcrypt": "carol"}
    times = {kind: [] for kind in kinds}
    # This thread's CPU time is the work a sign-in costs, which other processes' load does not blur;
    # interleaved, so what remains of that load hits every kind alike.
    for _ in range(11):
        for kind, user in kinds.items():
            started = time.thread_time()
            whoami(world, user, "wrong", status=401)
            times[kind].append(time.thread_time() - started)
    medians = {kind: statistics.median(samples) for kind, samples in times.items()}
    assert max(medians.values()) <= 1.2 * min(medians.values()), medians
