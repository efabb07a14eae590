"""deploy/systemd/svc.service: systemd's own verifier accepts it, and it keeps in step with production.ini."""
import configparser
import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

UNIT = os.path.join(ROOT, "deploy", "systemd", "svc.service")


def unit_text():
    with open(UNIT) as file:
        return file.read()


def test_systemd_analyze_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed: the unit is not verified")
    text = unit_text()
    assert "/srv/svc" in text
    unit = tmp_path / "svc.service"
    unit.write_text(text.replace("/srv/svc", ROOT))  # where .venv/bin/pserve and svc-admin exist
    done = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "svc.service" not in done.stdout + done.stderr, done.stdout + done.stderr  # no warning about it


def test_the_stop_timeout_outlasts_the_graceful_shutdown():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(os.path.join(ROOT, "production.ini"))
    shutdown = float(ini["server:main"]["shutdown_timeout"])
    stop = float(re.search(r"(?m)^TimeoutStopSec=(\d+)$", unit_text()).group(1))
    assert shutdown < stop <= shutdown + 10


def test_hardening_and_the_check_before_start():
    text = unit_text()
    for line in (
        "ProtectSystem=strict", "ReadWritePaths=/srv/svc/var", "NoNewPrivileges=yes", "PrivateTmp=yes",
        "CapabilityBoundingSet=\n", "Restart=on-failure", "User=svc",
    ):
        assert line in text
    assert re.search(r"(?m)^ExecStartPre=.*svc-admin /srv/svc/production.ini check", text)
