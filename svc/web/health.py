"""Readiness checks: each piece contributes its own, and ``/readyz`` runs those the ini uses.

One mechanism: any WSGI app or filter may carry ``svc_readiness``, a tuple of ReadinessCheck.
A Pyramid piece adds them with ``config.add_readiness_check(...)`` (svc.main puts the
registry's list on the app); a filter such as egg:svc#auth sets the attribute itself.
egg:svc#ops walks every app and filter below it (svc.web.mounts.apps_below) to find them, so
any mount layout works.
"""
import re
import time
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable

# A credential inside a URL (scheme://user:password@host), never shown in an answer.
_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]*@")


@dataclass(frozen=True)
class ReadinessCheck:
    """``probe(timeout)`` raises when the dependency is not usable; ``timeout`` is in seconds.
    A check that is not ``required`` is reported but never makes the service unready."""

    name: str
    probe: Callable[[float], None]
    required: bool = True
    where: str = ""  # for the start-up lines: where the dependency is, never its credentials


def add_readiness_check(config, name, probe, required=True):
    config.registry.svc_readiness.append(ReadinessCheck(name, probe, required))


def checks_below(app):
    """Every check of ``app`` and of the apps and filters it reaches, once per name."""
    from svc.web.mounts import apps_below

    found = {}
    for _, _, below in apps_below(app):
        for check in getattr(below, "svc_readiness", ()):
            found.setdefault(check.name, check)
    return tuple(found.values())


class ReadinessRunner:
    """Runs the checks at once in its own threads; each gets ``timeout`` seconds."""

    def __init__(self, checks, timeout):
        self.checks = checks
        self.timeout = timeout
        # One thread per check, so a hanging dependency holds its own thread and no other's.
        self._pool = ThreadPoolExecutor(max(1, len(checks)), thread_name_prefix="svc-readiness")

    def run(self):
        """``(ready, {name: {"status", "latency_ms", "error", "required"}})``."""
        started = time.perf_counter()
        futures = {check: self._pool.submit(_timed, check.probe, self.timeout) for check in self.checks}
        results, ready = {}, True
        for check, future in futures.items():
            remaining = max(0.0, self.timeout - (time.perf_counter() - started))
            try:
                latency, error = future.result(remaining + 0.05)
            except FutureTimeout:
                latency, error = self.timeout, f"no answer within {self.timeout:g} s"
            results[check.name] = {
                "status": "ok" if error is None else "fail",
                "latency_ms": round(latency * 1000, 1),
                "error": error,
                "required": check.required,
            }
            ready = ready and (error is None or not check.required)
        return ready, results


def _timed(probe, timeout):
    started = time.perf_counter()
    try:
        probe(timeout)
        error = None
    except Exception as exc:  # any failure of a dependency is an answer, never a 500
        error = safe_error(exc)
    return time.perf_counter() - started, error


def safe_error(exc):
    """One short line about ``exc``, with no credentials of any URL it quotes."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = _URL_CREDENTIALS.sub(r"\1***@", text)[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
