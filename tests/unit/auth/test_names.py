import subprocess
import sys

import pytest

from svc.auth.names import InvalidName, check_name, check_permission

BAD_NAMES = ["has space", "a:b", "@group", "", "x" * 151, "bob\n", "a\x00b", None]  # a regex $ lets one trailing newline through
BAD_PERMISSIONS = ["fetch\n", "Not Valid", "", "9lives", "x" * 65, None]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(name):
    with pytest.raises(InvalidName):
        check_name(name)


@pytest.mark.parametrize("permission", BAD_PERMISSIONS)
def test_bad_permissions_are_refused(permission):
    with pytest.raises(InvalidName):
        check_permission(permission)


def test_good_ones_pass():
    assert check_name("alice@example.com") == "alice@example.com"
    assert check_permission("reports.read") == "reports.read"


def test_the_require_filter_loads_no_sqlalchemy():
    code = "import sys, svc.auth.require; print('sqlalchemy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
