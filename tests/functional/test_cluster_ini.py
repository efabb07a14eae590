"""deploy/cluster.ini: production.ini's app and server, with the shared-state settings of several
instances; svc-admin works on it as on production.ini."""
import io
import os
import shutil

import plaster
import pytest

from svc.auth.cli import main
from svc.auth.middleware import AuthFilter
from svc.web.mounts import apps_below
from tests.conftest import ROOT


@pytest.fixture
def cluster(tmp_path):
    """deploy/cluster.ini beside a copy of production.ini, pointed at SQLite and no Redis here."""
    (tmp_path / "deploy").mkdir()
    shutil.copy(os.path.join(ROOT, "production.ini"), tmp_path)
    text = open(os.path.join(ROOT, "deploy", "cluster.ini")).read()
    for old, new in [
        ("svc.auth.db_url = postgresql+psycopg://svc@db.internal/svc", f"svc.auth.db_url = sqlite:///{tmp_path}/svc.sqlite"),
        ("svc.auth.secret_file = /etc/svc/auth-secret", f"svc.auth.secret_file = {tmp_path}/secret"),
        ("svc.auth.redis_url = redis://redis.internal:6379/0", "svc.auth.redis_url ="),
    ]:
        assert text.count(old) == 1, f"deploy/cluster.ini no longer has {old!r} once"
        text = text.replace(old, new)
    path = tmp_path / "deploy" / "cluster.ini"
    path.write_text(text)
    return path


def mounts(app):
    return sorted((prefix, type(below).__name__) for _d, prefix, below in apps_below(app) if hasattr(below, "registry"))


def test_it_serves_production_ini_with_its_own_shared_state(cluster, capsys, monkeypatch):
    assert main([str(cluster), "init"]) == 0
    loader = plaster.get_loader(str(cluster), protocols=["wsgi"])
    app = loader.get_wsgi_app()
    production = plaster.get_loader(str(cluster.parent.parent / "production.ini"), protocols=["wsgi"])
    assert mounts(app) == mounts(production.get_wsgi_app(defaults={
        "svc.auth.db_url": f"sqlite:///{cluster.parent.parent}/svc.sqlite",
        "svc.auth.secret_file": f"{cluster.parent.parent}/secret",
    }))
    auth = next(below for _d, _p, below in apps_below(app) if isinstance(below, AuthFilter))
    assert [str(n) for n in auth.service.settings.trusted_proxies] == ["10.0.0.5/32"]
    server = loader.get_settings("server:main")
    assert server["listen"] == "0.0.0.0:6543" and server["trusted_proxy"] == "10.0.0.5"

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main([str(cluster), "users", "add", "root"]) == 0
    capsys.readouterr()
    assert main([str(cluster), "check"]) == 2  # nobody holds fetch, dns, net, admin yet: warnings only
    assert ": error: " not in capsys.readouterr().out
