"""The rules svc.web.metrics relies on for multiprocess mode."""
import os

import svc.auth.metrics  # noqa: F401  (each piece's metrics register on import)
import svc.dns.metrics  # noqa: F401
import svc.fetch.metrics  # noqa: F401
from prometheus_client.registry import REGISTRY

from svc.fetch.metrics import reason_label
from svc.web.metrics import prepare_multiprocess_dir


def test_every_svc_metric_has_labels():
    """A labelled metric makes its values when first used (in a worker, after the runner chose
    multiprocess mode); an unlabelled one would make them at import, in the master."""
    collectors = {c for c in REGISTRY._collector_to_names if c.__class__.__module__ == "prometheus_client.metrics"}
    svc_metrics = [c for c in collectors if c._name.startswith("svc_")]
    assert svc_metrics and all(c._labelnames for c in svc_metrics)


def test_the_directory_is_emptied_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # so the test's own setting is undone after it
    (tmp_path / "counter_123.db").write_bytes(b"old")
    prepare_multiprocess_dir(str(tmp_path))
    assert not list(tmp_path.iterdir())
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)


def test_decision_reasons_are_short_labels():
    assert reason_label("203.0.113.9 is denied by svc.fetch.deny") == "deny-list"
    assert reason_label("127.0.0.1 is loopback (127.0.0.0/8)") == "default-deny"
    assert reason_label("port 25 is not allowed") == "port"
    assert reason_label("public address") == "public"
