"""clitest.py - what the CLI's Python tests (tests/integration/test_cli*.py)
share: @test, which runs a test function at once and prints cmocka-style
result lines, check and Skip for inside a test, and finish, which prints
the totals that tests/run.sh counts and exits.

It lives here, not in tests/integration, because tests/run.sh runs every
*.py there as a test; the tests put this directory on sys.path.
"""
import sys

PASSED, FAILED = [], []


class Skip(Exception):
    """Raised by a test that cannot run here: neither passed nor failed."""


def check(cond, why):
    """Fails the running test with why unless cond holds."""
    if not cond:
        raise AssertionError(why)


def test(fn):
    """Runs fn now, as a test named after it; returns fn."""
    name = fn.__name__
    print("[ RUN      ] " + name, flush=True)
    try:
        fn()
        print("[       OK ] " + name, flush=True)
        PASSED.append(name)
    except AssertionError as e:
        print("[  ERROR   ] --- %s" % e)
        print("[  FAILED  ] " + name, flush=True)
        FAILED.append(name)
    except Skip as e:
        print("[  SKIPPED ] %s: %s" % (name, e), flush=True)
    return fn


def finish(title):
    """Prints the totals under title; exits 1 if a test failed, else 0."""
    print("[==========] " + title, flush=True)
    print("[  PASSED  ] %d test(s)." % len(PASSED))
    if FAILED:
        print("[  FAILED  ] %d test(s), listed below:" % len(FAILED))
        for n in FAILED:
            print("[  FAILED  ] " + n)
    sys.exit(1 if FAILED else 0)
