"""Browser tests: Chromium driven by Playwright against svc on a real loopback server."""
