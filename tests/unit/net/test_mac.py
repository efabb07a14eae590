import pytest

from svc.net.mac import format_mac, primary_mac, sysfs_addresses


@pytest.fixture
def sysfs(tmp_path):
    for name, address in [("eth0", "02:fc:00:00:00:01\n"), ("lo", "00:00:00:00:00:00\n"), ("wg0", "")]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "address").write_text(address)
    (tmp_path / "bond_masters").mkdir()  # no address file
    return str(tmp_path)


def test_format_mac():
    assert format_mac(0x02FC00000001) == "02:fc:00:00:00:01"
    assert format_mac(0) == "00:00:00:00:00:00"


def test_sysfs_addresses(sysfs):
    assert sysfs_addresses(sysfs) == [
        {"name": "eth0", "address": "02:fc:00:00:00:01"},
        {"name": "lo", "address": "00:00:00:00:00:00"},
    ]


def test_no_sysfs(tmp_path):
    assert sysfs_addresses(str(tmp_path / "absent")) == []


def test_an_interface_address(sysfs):
    body = primary_mac(lambda: 0x02FC00000001, sysfs)
    assert body["mac"] == "02:fc:00:00:00:01"
    assert (body["random"], body["source"], body["interface"]) == (False, "interface", "eth0")
    assert body["locally_administered"] is True


def test_random_when_the_multicast_bit_is_set(sysfs):
    body = primary_mac(lambda: 0x0B0000000042, sysfs)
    assert (body["random"], body["source"], body["interface"]) == (True, "random", None)


def test_found_elsewhere(sysfs):
    body = primary_mac(lambda: 0x001122334455, sysfs)
    assert (body["random"], body["source"], body["locally_administered"]) == (False, "system", False)
