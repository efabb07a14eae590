from svc.auth import identification as service
from svc.auth.identification import _Cache


def test_cache_forgets_after_its_ttl(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(service.time, "monotonic", lambda: now[0])
    cache = _Cache(5)
    cache.put("k", "v")
    now[0] += 5
    assert cache.get("k") == "v"
    now[0] += 0.1
    assert cache.get("k") is None


def test_cache_with_ttl_0_remembers_nothing():
    cache = _Cache(0)
    cache.put("k", "v")
    assert cache.get("k") is None


def test_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(service, "CACHE_SIZE", 3)
    cache = _Cache(60)
    for key in range(10):
        cache.put(key, key)
        assert len(cache._data) <= 3
    assert cache.get(9) == 9
