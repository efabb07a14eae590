"""An app's start-up state lives in one Assembly; registry.settings keeps only the raw strings."""
from svc.config import PIECES, configure
from svc.web.assembly import assembly_of


def test_one_object_holds_what_configure_gathers():
    registry = configure({"svc.pieces": " ".join(PIECES), "svc.dns.timeout": "3"}).registry
    assert [name for name in vars(registry) if name.startswith("svc_")] == ["svc_assembly"]
    assembly = assembly_of(registry)
    assert [name for name, _ in assembly.pieces] == list(PIECES)
    assert assembly.settings["svc.dns"].timeout == 3.0
    assert registry.settings["svc.dns.timeout"] == "3"
    assert not {"svc", "svc.dns", "svc.fetch", "svc.urls", "svc.net"} & set(registry.settings)
