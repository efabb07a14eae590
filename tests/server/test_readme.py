"""README.md's example blocks, run in order as a new user would, against a live `pserve development.ini`.

The convention the README follows (so it stays readable):

- Every ```sh block runs, in order, in ONE bash session (`set -e`), in the project folder: shell
  variables and background jobs carry over from block to block. Every ```python block runs whole
  with `.venv/bin/python` at its place in that order, with the same environment (`SVC_USER`).
- A comment line starting with `#` and three spaces, right after a command, is the output that
  command shows, and is checked: the output of the commands since the previous such comment (or
  the block's start) must contain it. `...` matches anything, and any run of white space matches
  any white space or none, so long JSON may be wrapped over several `#    ` lines. In a python
  block every such comment is checked against the whole block's output. Other comments
  (`# like this`, or after a command on its line) are for people and not checked.
- Any other fence (```ini, ```text, ```) is not run, and neither is a block just below a line
  `<!-- not run: why -->`.

What the test changes, and nothing else: the folder is a temporary one holding a copy of
development.ini and links to the clone's `.venv` and `tests`, so `var/` (the SQLite file, scratch
files) is private. The README's three loopback ports (6543 svc, 8000 the local web server, 8053
the test DNS server) are replaced, as whole numbers, by free ports everywhere, in the blocks, the
expected output and the ini copy, so that runs side by side never collide; and the copy's fetch
app allows the web server's port (development.ini allows ports 80 443 8000 8080 8443). The
README's blocks start the servers themselves with `&`; the test kills them all (one process
group) at the end.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

PORTS = ("6543", "8000", "8053")  # svc, the local web server, the test DNS server
EXPECTED = re.compile(r"^#   (.*)$")
NOT_RUN = re.compile(r"^<!--\s*not run\b")
FENCE = re.compile(r"^```(\w*)\s*$")
RUN_TIMEOUT = 480  # seconds for the whole README: svc-admin loads the app once per grant


class Segment:
    """Code run as one step, and the outputs it must show (patterns, in order)."""

    def __init__(self, kind, line):
        self.kind, self.line, self.code, self.expected = kind, line, [], []


def readme_segments(text):
    """The README's runnable code, split after each group of expected-output comments."""
    segments, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start, kind = i + 1, fence.group(1)
        end = next(j for j in range(start, len(lines)) if lines[j].startswith("```"))
        above = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        if kind in ("sh", "python") and not NOT_RUN.match(above):
            segments.extend(_split(kind, start, lines[start:end]))
        i = end + 1
    return segments


def _split(kind, start, body):
    """Consecutive expected-output lines are one pattern; in a sh block, code after one starts a new segment."""
    segments, current, previous = [], Segment(kind, start + 1), False
    for number, line in enumerate(body, start + 1):
        expected = EXPECTED.match(line)
        if expected and previous:
            current.expected[-1] += "\n" + expected.group(1)
        elif expected:
            current.expected.append(expected.group(1))
        else:
            if kind == "sh" and current.expected:
                segments.append(current)
                current = Segment(kind, number)
            current.code.append(line)
        previous = bool(expected)
    segments.append(current)
    return segments


def pattern(expected):
    """The regular expression of an expected-output comment: `...` is anything, white space is any."""
    parts = []
    for literal in expected.split("..."):
        parts.append(r"\s*".join(re.escape(word) for word in literal.split()))
    return re.compile(r"\s*.*?\s*".join(parts), re.DOTALL)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def script(segments):
    """One bash script running every segment, each one's output in its own file."""
    out = ["set -e"]
    for n, segment in enumerate(segments):
        out.append(f"echo {n} > .readme/at")
        if segment.kind == "sh":
            out.append("{\n" + "\n".join(segment.code) + "\n} > .readme/%d.out 2>&1" % n)
        else:
            out.append(
                ".venv/bin/python - > .readme/%d.out 2>&1 <<'README_PYTHON'\n" % n
                + "\n".join(segment.code)
                + "\nREADME_PYTHON"
            )
    out.append("echo done > .readme/at")
    return "\n".join(out) + "\n"


@pytest.mark.timeout(RUN_TIMEOUT + 60)
def test_readme_examples_run_as_written(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("the README's examples need curl (apt-get install curl)")
    if not os.path.exists(os.path.join(sys.prefix, "bin", "svc-admin")):
        pytest.skip("the README's examples need the tests to run in the project's virtualenv (make test)")
    ports = {old: str(free_port()) for old in PORTS}

    def local(text):
        return re.sub(r"\b(%s)\b" % "|".join(PORTS), lambda m: ports[m.group(1)], text)

    with open(os.path.join(ROOT, "README.md")) as readme:
        segments = readme_segments(readme.read())
    for segment in segments:
        segment.code = [local(line) for line in segment.code]
        segment.expected = [local(line) for line in segment.expected]

    ini = local(open(os.path.join(ROOT, "development.ini")).read())
    fetch = "[app:fetch]\nuse = egg:svc#fetch\n"
    assert ini.count(fetch) == 1, "development.ini no longer has its [app:fetch] section as expected"
    ini = ini.replace(fetch, fetch + f"svc.fetch.ports = 80 443 {ports['8000']}\n")
    (tmp_path / "development.ini").write_text(ini)
    os.symlink(sys.prefix, tmp_path / ".venv")  # the virtualenv running the tests: make test's .venv
    os.symlink(os.path.join(ROOT, "tests"), tmp_path / "tests")
    (tmp_path / ".readme").mkdir()
    (tmp_path / ".readme" / "run.sh").write_text(script(segments))

    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("SVC_")}
    with open(tmp_path / ".readme" / "bash.log", "wb") as log:
        bash = subprocess.Popen(
            ["bash", ".readme/run.sh"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its background servers share its process group
        )
        try:
            returncode = bash.wait(RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            _kill_group(bash.pid)

    def output(n):
        path = tmp_path / ".readme" / f"{n}.out"
        return path.read_text(errors="replace") if path.exists() else ""

    at_path = tmp_path / ".readme" / "at"
    at = at_path.read_text().strip() if at_path.exists() else "0"
    if at != "done" or returncode != 0:
        n = int(at) if at.isdigit() else len(segments) - 1
        segment = segments[n]
        pserve_log = tmp_path / "var" / "pserve.log"
        pytest.fail(
            f"README.md line {segment.line}: the block stopped (exit {returncode}) in\n"
            + "\n".join(segment.code)
            + f"\n--- its output ---\n{output(n)}"
            + f"\n--- bash ---\n{(tmp_path / '.readme' / 'bash.log').read_text(errors='replace')}"
            + (f"\n--- var/pserve.log ---\n{pserve_log.read_text(errors='replace')[-4000:]}" if pserve_log.exists() else "")
        )

    failures = []
    for n, segment in enumerate(segments):
        text = output(n)
        for shown in segment.expected:
            if not pattern(shown).search(text):
                failures.append(
                    f"README.md line {segment.line}:\n" + "\n".join(segment.code)
                    + f"\n--- README shows ---\n{shown}\n--- it printed ---\n{text}"
                )
    assert not failures, "\n\n".join(failures)


def _kill_group(pid):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        if sig == signal.SIGTERM:
            time.sleep(2)  # the servers' own clean shutdown, then whatever is left is killed


class TestConvention:
    """The parsing rules above, on a small README."""

    README = (
        "```sh\nA=1\necho $A\n#   1\necho two\n# a comment\necho three\n#   th...ee\n#   x\n```\n"
        "<!-- not run: an example -->\n```sh\nfalse\n```\n"
        "```ini\n[x]\n```\n"
        "```python\nprint(1)\n#   1\nprint(2)\n#   2\n```\n"
    )

    def test_segments(self):
        segments = readme_segments(self.README)
        assert [(s.kind, s.code, s.expected) for s in segments] == [
            ("sh", ["A=1", "echo $A"], ["1"]),
            ("sh", ["echo two", "# a comment", "echo three"], ["th...ee\nx"]),
            ("python", ["print(1)", "print(2)"], ["1", "2"]),
        ]

    @pytest.mark.parametrize(
        "shown, printed, matches",
        [
            ('{"a": 1, ...}', '{"a": 1, "b": 2}', True),
            ('{"a": 1,\n "b": 2}', '{"a": 1, "b": 2}', True),
            ("HTTP/1.1 200 OK\n...\nX: y", "HTTP/1.1 200 OK\r\nA: b\r\nX: y\r\n", True),
            ('{"a": 2}', '{"a": 1}', False),
            ("a.b", "axb", False),
        ],
    )
    def test_pattern(self, shown, printed, matches):
        assert bool(pattern(shown).search(printed)) is matches
