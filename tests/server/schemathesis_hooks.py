"""Loaded by the schemathesis command line in tests/server/test_live_fuzz.py (SCHEMATHESIS_HOOKS)."""
import schemathesis

# RFC 8484's POST body is raw bytes, as application/octet-stream's are.
schemathesis.serializer.alias("application/dns-message", "application/octet-stream")
