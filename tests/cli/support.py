"""support.py - what the CLI's Python tests (tests/cli/test_*.py) share:
where the build is, shmcheck run with its output collected, the host's
segments, temporary directories, and main(), which runs a test module
under unittest and ends with the totals line that tests/run.sh counts,
as cmocka prints it: "[  PASSED  ] N test(s)." (skipped tests are not
counted as passed), then "[  FAILED  ] M test(s)." when some failed.

The build directory is $SHMC_BUILD_DIR (default: build), as in
    SHMC_BUILD_DIR=build python3 tests/cli/test_main.py [-v] [TEST...]
The tests import this module from their own directory; nothing here is
run as a test (tests/run.sh runs tests/*/test_*.py).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(os.environ.get("SHMC_BUILD_DIR") or "build")
SHMCHECK = os.path.join(BUILD, "shmcheck")
TRACER = os.path.join(BUILD, "libshmcheck-trace.so")
PROG = os.path.join(BUILD, "tests/cli/helpers/leaky_prog")
STATIC = os.path.join(BUILD, "tests/cli/helpers/leaky_prog-static")
HELPERS = os.path.join(TESTS, "cli", "helpers")
EXPECTED = os.path.join(TESTS, "cli", "expected")
TRY = "Try 'shmcheck --help' for more information.\n"


def sarif_log(path):
    """The SARIF log at path, checked against the schema
    (sarif_schema.py): every log the tests make is."""
    import sarif_schema  # python3-jsonschema: only tests that read SARIF
    return sarif_schema.check_file(path)


def segments():
    """The host's System V segments, as /proc/sysvipc/shm's fields."""
    with open("/proc/sysvipc/shm") as f:
        return [line.split() for line in f.readlines()[1:]]


def quiet_gcov(p):
    """p without the coverage runtime's complaints about stale data."""
    if p.stderr:
        p.stderr = "".join(line for line in p.stderr.splitlines(True)
                           if not line.startswith("libgcov profiling error"))
    return p


def run(args, **kw):
    """shmcheck ARGS; its CompletedProcess (text)."""
    kw.setdefault("capture_output", True)
    return quiet_gcov(subprocess.run([SHMCHECK] + args, text=True,
                                     timeout=120, **kw))


def shmcheck_json(args, prog_args, **kw):
    """shmcheck --json FILE ARGS -- PROG_ARGS; its CompletedProcess and
    the report read back (None when none was written)."""
    tmp = tempfile.mkdtemp(prefix="shmc-cli-")
    out = os.path.join(tmp, "report.json")
    proc = subprocess.run([SHMCHECK, "--json", out] + args + ["--"] +
                          prog_args, capture_output=True, text=True,
                          timeout=120, **kw)
    report = None
    if os.path.exists(out):
        with open(out) as f:
            report = json.load(f)
    shutil.rmtree(tmp)
    return proc, report


def report(path):
    """The JSON report at path."""
    with open(path) as f:
        return json.load(f)


class Tmp:
    """A temporary directory for a with block: its path."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="shmc-cli-")
        return self.dir

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


_EVENTS = []


def process_events():
    """Whether shmcheck reads the kernel's process events here (root, and
    a kernel that answers): a static program's static vfork child, which
    no journal names, is then known. Probed once."""
    if not _EVENTS:
        known = False
        if os.geteuid() == 0:
            tmp = tempfile.mkdtemp(prefix="shmc-probe-")
            out = os.path.join(tmp, "r.json")
            subprocess.run([SHMCHECK, "--isolate", "--quiet", "--json", out,
                            "--", STATIC, "vfork", STATIC, "clean"],
                           capture_output=True, timeout=60)
            with open(out) as f:
                known = len(json.load(f)["processes"]) == 2
            shutil.rmtree(tmp)
        _EVENTS.append(known)
    return _EVENTS[0]


def need_root_tools(*tools):
    """Skips the test unless it runs as root with every tool in PATH."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root")
    for t in tools:
        if not shutil.which(t):
            raise unittest.SkipTest("needs %s" % t)


class CliTest(unittest.TestCase):
    """A test case with shmcheck's exit status and stderr to check."""

    def expect(self, p, status, stderr=None, contains=()):
        """p exited with status; its stderr is stderr, or has contains."""
        self.assertEqual(p.returncode, status, "exit %d, want %d; stderr:\n%s"
                         % (p.returncode, status, p.stderr))
        if stderr is not None:
            self.assertEqual(p.stderr, stderr)
        for c in contains:
            self.assertIn(c, p.stderr)

    def usage_error(self, args, message):
        """shmcheck ARGS is refused with message and exit status 2."""
        self.expect(run(args), 2, "shmcheck: %s\n%s" % (message, TRY))


def main():
    """unittest.main on the calling module, then cmocka's totals."""
    prog = unittest.main(module="__main__", exit=False, verbosity=2)
    r = prog.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    passed = (r.testsRun - failed - len(r.skipped) -
              len(r.expectedFailures))
    sys.stderr.flush()
    print("[==========] %d test(s) run." % r.testsRun)
    print("[  PASSED  ] %d test(s)." % passed)
    if failed:
        print("[  FAILED  ] %d test(s)." % failed)
    sys.stdout.flush()
    sys.exit(1 if failed or r.testsRun == 0 else 0)
