import threading

import dns.message
import dns.rcode
import dns.rrset

from svc.dns.cache import ENTRY_OVERHEAD, ResolverCache, cache_lifetime

MIB = 1024 * 1024
SOA = "ns.test. hostmaster.test. 1 7200 900 1209600 60"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def positive(name="a.test.", ttls=(300,)):
    response = dns.message.make_response(dns.message.make_query(name, "A"))
    for i, ttl in enumerate(ttls):
        response.answer.append(dns.rrset.from_text(f"n{i}.{name}", ttl, "IN", "A", f"192.0.2.{i + 1}"))
    return response


def negative(rcode=dns.rcode.NXDOMAIN, soa_ttl=3600, soa=SOA):
    response = dns.message.make_response(dns.message.make_query("nx.test.", "A"))
    response.set_rcode(rcode)
    response.authority.append(dns.rrset.from_text("test.", soa_ttl, "IN", "SOA", soa))
    return response


def put(cache, key, message):
    cache.put(key, message, message.to_wire())


class TestLifetime:
    def test_smallest_answer_ttl(self):
        assert cache_lifetime(positive(ttls=(300, 20, 600))) == 20

    def test_negative_is_min_of_soa_ttl_and_minimum(self):
        assert cache_lifetime(negative(soa_ttl=3600)) == 60
        assert cache_lifetime(negative(soa_ttl=30)) == 30
        assert cache_lifetime(negative(rcode=dns.rcode.NOERROR)) == 60

    def test_negative_minimum_ages_too(self):
        assert cache_lifetime(negative(soa_ttl=3590), age=10) == 50

    def test_nothing_else_lives(self):
        no_soa = dns.message.make_response(dns.message.make_query("nx.test.", "A"))
        no_soa.set_rcode(dns.rcode.NXDOMAIN)
        assert cache_lifetime(no_soa) == 0
        assert cache_lifetime(negative(rcode=dns.rcode.SERVFAIL)) == 0
        assert cache_lifetime(positive(ttls=(0,))) == 0


class TestResolverCache:
    def test_ttls_are_lowered_by_age(self):
        clock = Clock()
        cache = ResolverCache(10, 86400, MIB, clock)
        put(cache, "k", positive(ttls=(300, 100)))
        clock.now += 42.7
        hit = cache.get("k")
        assert [r.ttl for r in hit.message.answer] == [258, 58]
        assert (hit.age, hit.lifetime) == (42, 58)

    def test_expires_with_its_smallest_ttl(self):
        clock = Clock()
        cache = ResolverCache(10, 86400, MIB, clock)
        put(cache, "k", positive(ttls=(300, 100)))
        clock.now += 99.9
        assert cache.get("k") is not None
        clock.now += 0.1
        assert cache.get("k") is None
        assert len(cache) == 0

    def test_negative_answers_are_kept_for_their_negative_ttl(self):
        clock = Clock()
        cache = ResolverCache(10, 86400, MIB, clock)
        put(cache, "nx", negative())
        clock.now += 59
        hit = cache.get("nx")
        assert hit.message.rcode() == dns.rcode.NXDOMAIN
        assert hit.lifetime == 1 and hit.message.authority[0].ttl == 3541
        clock.now += 1
        assert cache.get("nx") is None

    def test_what_has_no_lifetime_is_not_kept(self):
        cache = ResolverCache(10, 86400, MIB)
        put(cache, "ttl0", positive(ttls=(0,)))
        put(cache, "servfail", negative(rcode=dns.rcode.SERVFAIL))
        assert len(cache) == 0

    def test_max_ttl_caps_the_stay(self):
        clock = Clock()
        cache = ResolverCache(10, 60, MIB, clock)
        put(cache, "k", positive(ttls=(86400,)))
        clock.now += 60
        assert cache.get("k") is None

    def test_bounded_least_recently_used_first_out(self):
        cache = ResolverCache(2, 86400, MIB)
        put(cache, "a", positive())
        put(cache, "b", positive())
        cache.get("a")
        put(cache, "c", positive())
        assert cache.get("b") is None
        assert cache.get("a") is not None and cache.get("c") is not None
        assert len(cache) == 2

    def test_size_0_keeps_nothing(self):
        cache = ResolverCache(0, 86400, MIB)
        put(cache, "a", positive())
        assert cache.get("a") is None

    def test_each_hit_is_a_copy_of_its_own(self):
        cache = ResolverCache(10, 86400, MIB)
        put(cache, "k", positive())
        first = cache.get("k")
        first.message.answer[0].ttl = 1
        assert cache.get("k").message.answer[0].ttl == 300

    def test_shared_by_threads(self):
        cache = ResolverCache(50, 86400, MIB)
        errors = []

        def work(n):
            try:
                for i in range(300):
                    put(cache, (n, i % 70), positive())
                    hit = cache.get((n, (i * 7) % 70))
                    assert hit is None or hit.message.answer[0][0].address == "192.0.2.1"
            except Exception as exc:  # collected so the main thread fails the test
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(cache) == 50


class TestBytesAndStaleness:
    def test_bounded_by_bytes_least_recently_used_first_out(self):
        size = len(positive().to_wire()) + ENTRY_OVERHEAD
        cache = ResolverCache(100, 86400, 2 * size)
        put(cache, "a", positive())
        put(cache, "b", positive())
        cache.get("a")
        put(cache, "c", positive())
        assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
        assert cache.bytes == 2 * size

    def test_an_answer_over_the_whole_bound_is_not_kept(self):
        big = positive(ttls=(300,) * 50)
        cache = ResolverCache(100, 86400, len(big.to_wire()) + ENTRY_OVERHEAD - 1)
        put(cache, "small", positive())
        put(cache, "big", big)
        assert cache.get("big") is None and cache.get("small") is not None

    def test_replacing_a_key_counts_its_bytes_once(self):
        cache = ResolverCache(100, 86400, MIB)
        for _ in range(5):
            put(cache, "a", positive())
        assert len(cache) == 1 and cache.bytes == len(positive().to_wire()) + ENTRY_OVERHEAD

    def test_expired_entries_are_swept_out_without_being_asked_for(self):
        clock = Clock()
        cache = ResolverCache(100, 86400, MIB, clock)
        for i in range(10):
            put(cache, i, positive(ttls=(10,)))
        put(cache, "long", positive(ttls=(3600,)))
        clock.now += 11
        put(cache, "new", positive())
        assert len(cache) == 2
        assert cache.bytes == 2 * (len(positive().to_wire()) + ENTRY_OVERHEAD)
