"""Auth with svc.auth.redis_url: two instances (each its own revocation file, as on two hosts)
share a database and a real redis-server (tests/redis_server.py), which some tests kill."""
import time
import uuid

import pytest
from sqlalchemy import create_engine
from webtest import TestApp

from tests.auth_fixtures import AuthWorld, basic
from tests.conftest import load
from tests.functional.test_auth import BROWSER, PASSWORD, SAME_ORIGIN, signed_in, with_cookie

BROADCAST_DEADLINE = 1.0  # seconds: what svc promises with Redis (README, auth across instances)


def instance(auth_conf, tmp_path, redis_url, name):
    conf = {**auth_conf, "svc.auth.redis_url": redis_url, "svc.auth.revocation_file": str(tmp_path / f"{name}.revoked")}
    return AuthWorld(load("production.ini", **conf))


def https(world, address="192.0.2.1"):
    return TestApp(world.wsgi, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": "localhost", "REMOTE_ADDR": address})


def eventually(check, deadline=BROADCAST_DEADLINE):
    """True once ``check()`` is, polling until ``deadline`` seconds passed."""
    ends = time.monotonic() + deadline
    while not check():
        if time.monotonic() > ends:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def instances(auth_conf, tmp_path, redis_server):
    a = instance(auth_conf, tmp_path, redis_server.url, "a")
    b = instance(auth_conf, tmp_path, redis_server.url, "b")
    for world in (a, b):  # each starts listening on its first request
        https(world).get("/auth/whoami", status=401)
    time.sleep(0.2)
    return a, b


class TestBroadcast:
    def test_sign_out_on_a_is_refused_on_b_within_a_second(self, instances):
        a, b = instances
        a.user("alice")
        app, ticket = signed_in(a)
        assert https(b).get("/auth/whoami", headers=with_cookie(ticket)).json["user"] == "alice"
        app.get("/auth/whoami", headers=BROWSER).forms[0].submit(headers=SAME_ORIGIN)
        assert eventually(lambda: https(b).get("/auth/whoami", headers=with_cookie(ticket), status="*").status_int == 401)

    def test_a_password_change_on_a_is_refused_on_b_within_a_second(self, instances):
        a, b = instances
        a.user("alice")
        headers = {"Authorization": basic("alice", PASSWORD)}
        https(b).get("/auth/whoami", headers=headers, status=200)
        a.service.admin.set_password("alice", "another good passphrase")
        assert eventually(lambda: https(b).get("/auth/whoami", headers=headers, status="*").status_int == 401)

    def test_the_throttle_counts_in_redis_across_instances(self, instances):
        a, b = instances
        a.user("alice")
        address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"  # its own count, even on a shared SVC_TEST_REDIS_URL
        for world in (a, b, a, b, a):
            https(world, address).get("/auth/whoami", headers={"Authorization": basic("alice", "guess")}, status=401)
        https(b, address).get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, status=429)
        assert a.service.identification.throttle.limiter.storage.check()  # limits' Redis storage, not the database


class TestRedisDown:
    @pytest.fixture
    def world(self, auth_conf, tmp_path, fresh_redis_server):
        redis = fresh_redis_server()
        world = instance(auth_conf, tmp_path, redis.url, "a")
        world.redis = redis
        world.user("alice")
        world.user("bob")
        return world

    def test_sign_in_fails_closed_with_503_while_cached_sessions_stay_open(self, world):
        app, ticket = signed_in(world)
        https(world).get("/auth/whoami", headers=with_cookie(ticket), status=200)
        world.redis.kill()
        assert https(world).get("/auth/whoami", headers=with_cookie(ticket)).json["user"] == "alice"
        for response in (
            https(world).get("/auth/whoami", headers={"Authorization": basic("bob", PASSWORD)}, status=503),
            https(world).get("/auth/whoami", headers={"Authorization": basic("bob", "wrong")}, status=503),
            world.sign_in(https(world), "bob"),
        ):
            assert response.status_int == 503, response.text
            assert response.content_type == "application/problem+json" or "text/html" in response.content_type
            assert int(response.headers["Retry-After"]) >= 1

    def test_a_cached_session_is_rechecked_after_recheck_seconds(self, auth_conf, tmp_path, fresh_redis_server):
        redis = fresh_redis_server()
        world = AuthWorld(load("production.ini", **{
            **auth_conf, "svc.auth.redis_url": redis.url, "svc.auth.recheck_seconds": "1",
            "svc.auth.revocation_file": str(tmp_path / "x.revoked"),
        }))
        world.user("alice")
        _, ticket = signed_in(world)
        https(world).get("/auth/whoami", headers=with_cookie(ticket), status=200)
        redis.kill()
        world.service.store.end_session(world.service.ticket.loads(ticket).session_key)  # as another host would
        time.sleep(1.1)
        https(world).get("/auth/whoami", headers=with_cookie(ticket), status=401)


class TestDatabaseDown:
    def test_sign_ins_answer_503_never_500(self, prod, auth_conf):
        prod.user("alice")
        url = auth_conf["svc.auth.db_url"]
        prod.service.store.engine.dispose()
        if url.startswith("sqlite:///"):
            with open(url.removeprefix("sqlite:///"), "wb") as file:
                file.write(b"not a database" * 1000)
            prod.service.store.engine.dispose()
        else:  # the PostgreSQL server is gone: nothing listens on loopback's discard port
            prod.service.store.engine = create_engine(
                "postgresql+psycopg://svc@127.0.0.1:9/svc", connect_args={"connect_timeout": 2}
            )
        for response in (
            prod.app.get("/auth/whoami", headers={"Authorization": basic("alice", PASSWORD)}, status="*"),
            prod.app.get("/auth/whoami", headers={"Authorization": "Bearer svc_whatever"}, status="*"),
            prod.sign_in(https(prod), "alice"),
        ):
            assert response.status_int == 503, response.text
            assert response.headers["Retry-After"]
