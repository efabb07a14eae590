"""The net piece through the real ini files, mounted at /net."""
import ipaddress

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import load
from tests.functional.test_openapi import CHECKS
from tests.openapi import assert_conforms, assert_is_problem


class TestInterfaces:
    def test_every_interface_with_its_addresses(self, testing_app):
        res = testing_app.get("/net/interfaces")
        assert_conforms(testing_app.get("/net/openapi.json").json, res, "/interfaces")
        by_name = {i["name"]: i for i in res.json["interfaces"]}
        assert [i["name"] for i in res.json["interfaces"]] == sorted(by_name)
        loopback = next(i for i in by_name.values() if any(a["address"] == "127.0.0.1" for a in i["ipv4"]))
        assert loopback["up"] is True
        assert {"address": "127.0.0.1", "netmask": "255.0.0.0", "prefixlen": 8, "broadcast": None} in loopback["ipv4"]
        for interface in by_name.values():
            for address in interface["ipv4"] + interface["ipv6"]:
                ipaddress.ip_address(address["address"].partition("%")[0])

    def test_mounted_in_every_ini(self, every_ini_app):
        assert every_ini_app.get("/net/interfaces").json["interfaces"]
        assert every_ini_app.get("/net/mac").json["mac"]


class TestMAC:
    def test_primary_mac(self, testing_app):
        res = testing_app.get("/net/mac")
        assert_conforms(testing_app.get("/net/openapi.json").json, res, "/mac")
        body = res.json
        assert body["mac"] == ":".join(f"{(body['node'] >> s) & 0xFF:02x}" for s in range(40, -8, -8))
        assert body["random"] == bool(body["node"] & (1 << 40))
        if body["source"] == "interface":
            assert {"name": body["interface"], "address": body["mac"]} in body["interfaces"]


class TestPage:
    def test_lists_the_interfaces(self, testing_app):
        res = testing_app.get("/net/", headers={"Accept": "text/html"})
        names = [td.text for td in res.html.select("table.interfaces tbody tr td:first-child")]
        assert names == sorted(i["name"] for i in testing_app.get("/net/interfaces").json["interfaces"])
        assert testing_app.get("/net/mac").json["mac"] in res.html.select_one("p.mac").text
        assert {a["href"] for a in res.html.select("p.api a")} == {"/net/openapi.json", "/net/api"}

    @pytest.mark.parametrize("path", ["/net/interfaces", "/net/mac", "/net/"])
    def test_wrong_method_is_405(self, testing_app, path):
        res = testing_app.post(path, status=405)
        assert_is_problem(testing_app.get("/net/openapi.json").json, res)


APP = load("testing.ini")
net_schema = schemathesis.openapi.from_wsgi("/net/openapi.json", APP)


@pytest.mark.slow
@net_schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_net(case):
    case.call_and_validate(checks=CHECKS)
