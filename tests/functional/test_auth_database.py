"""The auth store's database under the admin API and svc-admin, on SQLite and PostgreSQL:
far-future times, values a database cannot hold, concurrent identical writes, parallel migrations."""
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from webtest import TestApp

from svc.auth import migrate
from svc.auth.names import MAX_LIFETIME
from svc.auth.store import create_store_engine
from tests.auth_fixtures import basic
from tests.conftest import load
from tests.openapi import assert_is_problem

PARALLEL = 10


@pytest.fixture
def root(prod):
    prod.user("root", permissions=["admin"])
    token, _ = prod.service.admin.create_token("root")
    return {"Authorization": "Bearer " + token}  # a bearer costs no password hash, so ten can run at once


def doc(prod):
    return prod.app.get("/auth/openapi.json").json


class TestTimes:
    def test_a_token_may_outlive_2038(self, prod, root):
        created = prod.app.post_json("/auth/admin/tokens", {"user": "root", "expires_in": 4_000_000_000}, headers=root, status=201)
        assert created.json["expires_at"] - created.json["created_at"] == 4_000_000_000
        bearer = {"Authorization": "Bearer " + created.json["token"]}
        assert prod.app.get("/auth/whoami", headers=bearer).json["user"] == "root"
        listed = prod.app.get("/auth/admin/tokens?user=root", headers=root).json["tokens"]
        assert created.json["expires_at"] in [t["expires_at"] for t in listed]

    @pytest.mark.parametrize("expires_in", [MAX_LIFETIME + 1, 2**63, 10**30])
    def test_beyond_the_maximum_lifetime_is_a_problem(self, prod, root, expires_in):
        response = prod.app.post_json("/auth/admin/tokens", {"user": "root", "expires_in": expires_in}, headers=root, status=400)
        assert_is_problem(doc(prod), response)

    def test_the_maximum_lifetime_itself(self, prod, root):
        prod.app.post_json("/auth/admin/tokens", {"user": "root", "expires_in": MAX_LIFETIME}, headers=root, status=201)


class TestValuesNoDatabaseHolds:
    """A NUL or a lone surrogate breaks PostgreSQL's driver; an overlong value breaks its columns."""

    @pytest.mark.parametrize(
        "method, path, body",
        [
            ("get", "/auth/admin/users/%00", None),
            ("delete", "/auth/admin/users/%00", None),
            ("delete", "/auth/admin/users/a%00b/sessions", None),
            ("put_json", "/auth/admin/users/%00/password", {"password": "pw"}),
            ("put", "/auth/admin/groups/%00/members/root", None),
            ("put", "/auth/admin/groups/ops/members/%00", None),
            ("delete", "/auth/admin/groups/ops/members/%00", None),
            ("delete", "/auth/admin/groups/%00", None),
            ("delete", "/auth/admin/grants/%00/fetch", None),
            ("delete", "/auth/admin/grants/@%00/fetch", None),
            ("delete", "/auth/admin/grants/root/%00", None),
            ("delete", "/auth/admin/users/" + "x" * 300, None),
            ("get", "/auth/admin/tokens?user=%00", None),
            ("delete", "/auth/admin/tokens/99999999999999999999", None),
            ("post_json", "/auth/admin/users", {"name": "\ud800"}),
            ("post_json", "/auth/admin/users", {"name": "a\x00"}),
            ("post_json", "/auth/admin/groups", {"name": "\udfff"}),
            ("post_json", "/auth/admin/tokens", {"user": "\x00"}),
            ("post_json", "/auth/admin/tokens", {"user": "root", "label": "a\x00b"}),
            ("post_json", "/auth/admin/tokens", {"user": "root", "label": "\ud800"}),
            ("post_json", "/auth/admin/grants", {"subject": "\x00", "permission": "fetch"}),
            ("post_json", "/auth/admin/grants", {"subject": "@\x00", "permission": "fetch"}),
        ],
    )
    def test_refused_before_the_store(self, prod, root, method, path, body):
        prod.service.admin.add_group("ops")
        args = (path,) if body is None else (path, body)
        response = getattr(prod.app, method)(*args, headers=root, status="*")
        assert response.status_int in (400, 404), response.text
        assert_is_problem(doc(prod), response)

    @pytest.mark.parametrize(
        "line",
        ["dave:$2y$" + "x" * 300, "dave:$2y$05$a\x00b", "a\x00b:$2y$05$abc"],
    )
    def test_htpasswd_entries_are_refused(self, prod, root, line):
        response = prod.app.post("/auth/admin/htpasswd", line, headers={**root, "Content-Type": "text/plain"})
        assert response.json["added"] == [] and len(response.json["refused"]) == 1


def in_parallel(call, times=PARALLEL):
    """Run ``call`` in ``times`` threads released together; their results."""
    start = threading.Barrier(times)

    def run(_):
        start.wait()
        return call()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(run, range(times)))


class TestConcurrentWrites:
    def test_identical_grants_and_memberships_never_fail(self, prod, root):
        prod.user("alice")
        prod.service.admin.add_group("ops")
        grant = {"subject": "alice", "permission": "fetch"}
        statuses = in_parallel(lambda: prod.app.post_json("/auth/admin/grants", grant, headers=root, status="*").status_int)
        assert statuses == [201] * PARALLEL
        statuses = in_parallel(lambda: prod.app.put("/auth/admin/groups/ops/members/alice", headers=root, status="*").status_int)
        assert statuses == [204] * PARALLEL
        group_grant = {"subject": "@ops", "permission": "dns"}
        in_parallel(lambda: prod.app.post_json("/auth/admin/grants", group_grant, headers=root, status=201))
        assert prod.service.store.principal(prod.service.store.credentials("alice")[0]).permissions == {"fetch", "dns"}

    def test_identical_users_and_groups_conflict(self, prod, root):
        for path in ("/auth/admin/users", "/auth/admin/groups"):
            statuses = in_parallel(lambda: prod.app.post_json(path, {"name": "same"}, headers=root, status="*").status_int)
            assert sorted(statuses) == [201] + [409] * (PARALLEL - 1)


# The secret comes from the tests' global_conf (load()); migrate needs none.
CLI_INI = """
[filter:auth]
use = egg:svc#auth
svc.auth.db_url = {db_url}
svc.auth.create_schema = {create_schema}

[app:signin]
use = egg:svc#auth

[pipeline:main]
pipeline = auth signin
"""


# svc-admin's main(), started when the test says go, so several processes race for real.
MIGRATE_ON_CUE = """
import sys
from svc.auth.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main([sys.argv[1], "migrate"]))
"""


def empty_database_ini(auth_db, write_ini, create_schema="false"):
    db_url = auth_db(migrated=False)
    ini = write_ini(CLI_INI.format(db_url=db_url.replace("%", "%%"), create_schema=create_schema))
    return db_url, ini


@pytest.mark.slow
class TestParallelMigrations:
    def test_parallel_svc_admin_migrate_runs_all_succeed(self, auth_db, write_ini):
        db_url, ini = empty_database_ini(auth_db, write_ini)
        runs = [subprocess.Popen([sys.executable, "-c", MIGRATE_ON_CUE, ini], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(4)]
        for run in runs:  # every process has imported svc: then they start migrating together
            assert run.stdout.readline() == b"ready\n"
        for run in runs:
            run.stdin.write(b"go\n")
            run.stdin.flush()
        outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
        assert [run.returncode for run in runs] == [0] * 4, outputs
        engine = create_store_engine(db_url)
        assert migrate.current_revision(engine) == migrate.head_revision()
        engine.dispose()

    def test_parallel_start_ups_creating_the_schema_all_succeed(self, auth_db, write_ini):
        """Threads of one process: Alembic's context is global, so without the lock they collide too."""
        _, ini = empty_database_ini(auth_db, write_ini, create_schema="true")
        apps = in_parallel(lambda: TestApp(load(ini)), times=4)
        for number, app in enumerate(apps):  # a user each: the apps share one sign-in throttle
            app.get("/whoami", headers={"Authorization": basic(f"nobody{number}", "pw")}, status=401)
