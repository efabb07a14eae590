import pytest

from svc.auth import migrate
from svc.auth.names import MAX_LIFETIME, InvalidName, InvalidValue
from svc.auth.store import AlreadyExists, NotFound, Store, StoreError, create_store_engine


@pytest.fixture
def store(auth_db):
    engine = create_store_engine(auth_db(migrated=False))  # a SQLite file's folders are created
    migrate.upgrade(engine)
    clock = [1000.0]
    store = Store(engine, clock=lambda: clock[0])
    store.tick = lambda seconds: clock.__setitem__(0, clock[0] + seconds)
    yield store
    engine.dispose()


class TestSchema:
    def test_migrations_reach_head_and_match_the_models(self, store):
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from svc.auth.models import Base

        assert migrate.current_revision(store.engine) == migrate.head_revision()
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


    def test_a_database_made_before_64_bit_times_upgrades(self, auth_db):
        engine = create_store_engine(auth_db(migrated=False))
        migrate.upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO auth_users (name, created_at) VALUES ('alice', 1000)")
        migrate.upgrade(engine)
        store = Store(engine, clock=lambda: 2_000_000_000)
        _, info = store.create_token("alice", lifetime=4_000_000_000)
        assert store.tokens()[0].expires_at == 6_000_000_000 == info.expires_at
        assert store.users()[0]["created_at"] == 1000
        engine.dispose()


def test_a_missing_driver_is_named():
    with pytest.raises(StoreError, match="psycopg2 is not installed.*svc\\[postgresql\\]"):
        create_store_engine("postgresql+psycopg2://svc@/svc")


class TestUsersGroupsGrants:
    def test_permissions_come_from_the_user_and_their_groups(self, store):
        store.add_user("alice", "h")
        store.add_group("ops")
        store.add_member("ops", "alice")
        store.grant("@ops", "fetch")
        store.grant("alice", "dns")
        store.grant("alice", "dns")  # twice is once
        user_id = store.credentials("alice")[0]
        principal = store.principal(user_id)
        assert principal.groups == {"ops"} and principal.permissions == {"fetch", "dns"}
        assert store.grants() == [
            {"subject": "@ops", "permission": "fetch"},
            {"subject": "alice", "permission": "dns"},
        ]
        store.revoke("@ops", "fetch")
        assert store.principal(user_id).permissions == {"dns"}

    def test_removing_a_user_removes_what_hangs_on_them(self, store):
        store.add_user("alice", "h")
        store.add_group("ops")
        store.add_member("ops", "alice")
        store.create_token("alice")
        store.create_session(store.credentials("alice")[0], 60)
        store.remove_user("alice")
        assert store.groups()[0]["members"] == [] and store.tokens() == []
        store.add_user("bob", "h")
        assert store.credentials("bob")[0] == 2  # ids are never reused

    @pytest.mark.parametrize(
        "call, error",
        [
            (lambda s: s.add_user("alice", "h"), AlreadyExists),
            (lambda s: s.remove_user("nobody"), NotFound),
            (lambda s: s.grant("@nogroup", "fetch"), NotFound),
            (lambda s: s.revoke("alice", "fetch"), NotFound),
            (lambda s: s.remove_member("ops", "alice"), NotFound),
            (lambda s: s.revoke_token(99), NotFound),
            (lambda s: s.revoke_token(2**70), NotFound),
            (lambda s: s.remove_user("a\x00b"), InvalidName),  # looked up by a name no user has
            (lambda s: s.add_member("ops", "\ud800"), InvalidName),
            (lambda s: s.revoke("alice", "\x00"), InvalidName),
            (lambda s: s.tokens("a\x00"), InvalidName),
            (lambda s: s.add_user("bob", "$2y$" + "x" * 300), InvalidValue),
            (lambda s: s.set_password_hash("alice", "has space"), InvalidValue),
            (lambda s: s.create_token("alice", "a\x00"), InvalidValue),
            (lambda s: s.create_token("alice", lifetime=MAX_LIFETIME + 1), InvalidValue),
            (lambda s: s.create_token("alice", lifetime=-1), InvalidValue),
        ],
    )
    def test_refusals(self, store, call, error):
        store.add_user("alice", "h")
        store.add_group("ops")
        with pytest.raises(error):
            call(store)


class TestTokensAndSessions:
    def test_token_is_stored_hashed_and_expires(self, store):
        store.add_user("alice", "h")
        token, info = store.create_token("alice", "ci", lifetime=60)
        assert token.startswith("svc_") and info.hint == token[:8]
        with store.engine.connect() as connection:
            assert token not in str(connection.exec_driver_sql("SELECT * FROM auth_tokens").all())
        assert store.token_user(token) == store.credentials("alice")[0]
        store.tick(61)
        assert store.token_user(token) is None

    def test_sessions_end_by_time_logout_revocation_and_password_change(self, store):
        store.add_user("alice", "h")
        user_id = store.credentials("alice")[0]
        key = store.create_session(user_id, 100)
        assert store.session(key) == (user_id, 1100)
        store.tick(100)
        assert store.session(key) is None
        key = store.create_session(user_id, 100)
        store.end_session(key)
        assert store.session(key) is None
        keys = [store.create_session(user_id, 100) for _ in range(2)]
        assert store.revoke_sessions("alice") == 2
        key = store.create_session(user_id, 100)
        store.set_password_hash("alice", "new")
        assert store.session(key) is None and all(store.session(k) is None for k in keys)


class TestSessionList:
    def test_list_end_one_and_keep_one_at_a_password_change(self, store):
        from svc.auth.store import digest

        store.add_user("alice", "hash")
        user_id = store.credentials("alice")[0]
        first = store.create_session(user_id, 100)
        store.tick(1)
        second = store.create_session(user_id, 100)
        third = store.create_session(user_id, 100)
        assert [s["id"] for s in store.sessions("alice")][0] == digest(first)
        store.end_user_session("alice", digest(first))
        with pytest.raises(NotFound):
            store.end_user_session("alice", digest(first))
        store.set_password_hash("alice", "new-hash", keep_session=second)
        assert [s["id"] for s in store.sessions("alice")] == [digest(second)]
        assert store.session(third) is None
        store.tick(200)
        assert store.sessions("alice") == []
