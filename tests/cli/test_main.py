#!/usr/bin/env python3
"""test_main.py - the shmcheck command line itself (src/cli/main.c and the
options it parses): every option listed by --help, --help and --version
(also to a full disk), every refusal with its exact message and exit
status 2, the program's name from argv[0]; the exit status (the error
exit code, what counts as an error, the program's own status or signal
passed on), -q, reports that cannot be written, and running out of
memory at every allocation. The findings themselves: test_scenarios.py.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_main.py
"""
import json
import os
import shutil
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (HELPERS, PROG, SHMCHECK, CliTest, Tmp, main,  # noqa: E402
                     quiet_gcov, report, run)

OPTIONS = ("-j, --json=FILE", "-s, --sarif=FILE", "-S, --suppressions=FILE",
           "-g, --gen-suppressions", "-i, --isolate",
           "-P, --no-process-events", "-c, --cleanup",
           "-e, --error-exitcode=N", "-E, --errors=KINDS",
           "-l, --log-dir=DIR", "-r, --replay=DIR", "-t, --trace-lib=PATH",
           "-n, --no-symbolize", "-q, --quiet",
           "-V, --version", "-h, --help")


class Options(CliTest):
    """--help, --version and the refusals of bad usage."""

    def test_help_lists_every_option(self):
        p = run(["-h"])
        self.assertTrue(p.returncode == 0 and p.stderr == "", p.stderr)
        self.assertTrue(p.stdout.startswith(
            "Usage: shmcheck [options] -- program [arguments...]\n"), p.stdout)
        for opt in OPTIONS:
            self.assertTrue("  %s " % opt in p.stdout,
                            "%s missing:\n%s" % (opt, p.stdout))
        self.assertTrue(p.stdout.endswith("2 for bad usage.\n"), p.stdout)

    def test_help_and_version_to_a_full_disk(self):
        with open("/dev/full", "w") as full:
            h = subprocess.run([SHMCHECK, "--help"], stdout=full)
            v = subprocess.run([SHMCHECK, "--version"], stdout=full)
        self.assertTrue(h.returncode == 2, "--help: %d" % h.returncode)
        self.assertTrue(v.returncode == 2, "--version: %d" % v.returncode)

    def test_version(self):
        p = subprocess.run([SHMCHECK, "--version"], capture_output=True,
                           text=True)
        self.assertTrue(p.returncode == 0 and p.stdout.startswith(
            "shmcheck 0."), p.stdout)

    def test_usage_errors(self):
        p = subprocess.run([SHMCHECK, "--bogus"], capture_output=True,
                           text=True)
        self.assertTrue(p.returncode == 2 and
                        "Try 'shmcheck --help'" in p.stderr, p.stderr)
        p = subprocess.run([SHMCHECK, "--", "/nonexistent/prog"],
                           capture_output=True, text=True)
        self.assertTrue(p.returncode == 127, p.stderr)
        with Tmp() as tmp:
            plain = os.path.join(tmp, "plain")
            with open(plain, "w") as f:
                f.write("not a program\n")
            os.chmod(plain, 0o644)
            p = subprocess.run([SHMCHECK, "--", plain], capture_output=True,
                               text=True)
        self.assertTrue(p.returncode == 126, p.stderr)
        p = subprocess.run([SHMCHECK, "--help"], capture_output=True,
                           text=True)
        self.assertTrue(p.returncode == 0 and "--isolate" in p.stdout,
                        p.stdout)

    def test_bad_numbers_and_kinds(self):
        for n in ("0", "256", "-1", "x", "7x", "99999999999999999999"):
            self.usage_error(["--error-exitcode", n, "--", PROG, "clean"],
                             "--error-exitcode: '%s' is not a number 1..255"
                             % n)
        for k in ("bogus", "leaked_segment,bogus", "lint," * 60, "leaked"):
            self.usage_error(["--errors", k, "--", PROG, "clean"],
                             "--errors: '%s' is not a list of finding kinds"
                             % k)
        # An empty list, however spelt, is refused, not taken as none.
        for args in (["--errors="], ["--errors", ""], ["-E", ""]):
            self.usage_error(args + ["--", PROG, "clean"],
                             "option '--errors' needs a non-empty argument")
        self.usage_error(["-E=", "--", PROG, "clean"],
                         "--errors: '=' is not a list of finding kinds")

    def test_other_usage_errors(self):
        self.usage_error([], "no program to run")
        self.usage_error(["--json"], "option '--json' needs an argument")
        self.usage_error(["-q", "-j"], "option '--json' needs an argument")
        self.usage_error(["--bogus=1", "--", PROG],
                         "unknown option '--bogus=1'")
        self.usage_error(["-qx", "--", PROG], "unknown option '-x'")
        self.usage_error(["--isolate=yes", "--", PROG],
                         "option '--isolate' takes no argument")
        with Tmp() as tmp:
            supp = os.path.join(tmp, "s")
            open(supp, "w").close()
            self.usage_error(["-S", supp] * 17 + ["--", PROG, "clean"],
                             "at most 16 suppression files")
            p = run(["-S", supp] * 16 + ["--isolate", "--", PROG, "clean"])
            self.expect(p, 0)

    def test_program_name_from_argv0(self):
        with Tmp() as tmp:
            link = os.path.join(tmp, "mycheck")
            os.symlink(SHMCHECK, link)
            p = quiet_gcov(subprocess.run(["mycheck", "--bogus"],
                                          capture_output=True, text=True,
                                          env=dict(os.environ, PATH=tmp)))
        self.assertTrue(p.returncode == 2 and p.stderr ==
                        "mycheck: unknown option '--bogus'\n"
                        "Try 'mycheck --help' for more information.\n",
                        p.stderr)
        q = quiet_gcov(subprocess.run(["", "--bogus"], executable=SHMCHECK,
                                      capture_output=True, text=True))
        self.assertTrue(q.returncode == 2 and q.stderr.startswith(
            "shmcheck: unknown option '--bogus'\n"), q.stderr)


def out_of_memory_from(n, args, so, want):
    """shmcheck ARGS with every allocation from the n-th on failing; its
    CompletedProcess, and whether it gave the whole report."""
    p = run(args, env=dict(os.environ, LD_PRELOAD=so,
                           SHMC_FAILMALLOC=str(n)))
    return p, p.returncode == 23 and p.stdout == want


class ExitStatus(CliTest):
    """What shmcheck exits with, what it prints, and when it cannot."""

    def test_error_exit_code_and_kinds(self):
        self.expect(run(["-e", "7", "--isolate", "--", PROG, "leak"]), 7)
        self.expect(run(["--isolate", "--", PROG, "attach_twice"]), 0)
        self.expect(run(["--errors", "unmatched_attach", "--isolate", "--",
                         PROG, "attach_twice"]), 23)
        self.expect(run(["--errors", "all", "-e", "9", "--isolate", "--",
                         PROG, "attach_twice"]), 9)
        self.expect(run(["--errors", "inherited_unmatched", "--isolate",
                         "--", PROG, "inherit"]), 23)
        # Only the inherited ones: the program's own unmatched attaches
        # stay warnings.
        self.expect(run(["--errors", "inherited_unmatched", "--isolate",
                         "--", PROG, "attach_twice"]), 0,
                    contains=["WARNING: unmatched attach"])
        # none, as SHMCHECK_ERRORS=none: no kind is an error.
        self.expect(run(["--errors", "none", "--isolate", "--", PROG,
                         "leak"]), 0, contains=["WARNING: leaked segment"])
        # a leak that is not an error: the program's own status
        self.expect(run(["--errors", "invalid_detach,lint", "--isolate",
                         "--", PROG, "leak"]), 0,
                    contains=["WARNING: leaked segment"])

    def test_quiet_prints_only_when_errors_are_found(self):
        q = run(["-q", "--isolate", "--", PROG, "attach_twice"])
        self.expect(q, 0, "")
        e = run(["-q", "--isolate", "--", PROG, "leak"])
        self.expect(e, 23, contains=["ERROR: leaked segment",
                                     "SUMMARY: shmcheck: 1 leaked "
                                     "segment(s) (4096 bytes)"])

    def test_status_and_signals_pass_through(self):
        with Tmp() as tmp:
            out = os.path.join(tmp, "r.json")
            st = run(["--json", out, "--", "sh", "-c", "exit 5"])
            rst = report(out)
            term = run(["--json", out, "--", "sh", "-c", "kill -TERM $$"])
            rterm = report(out)
            # SIGPIPE as the program would have it without shmcheck (the
            # CLI ignores it only for its own reports)
            pipe = run(["--json", out, "--", "sh", "-c", "kill -PIPE $$"])
            rpipe = report(out)
        self.expect(st, 5)
        self.assertTrue(rst["exit"] == {"status": 5}, json.dumps(rst["exit"]))
        self.expect(term, 128 + signal.SIGTERM)
        self.assertTrue(rterm["exit"] == {"signal": signal.SIGTERM},
                        json.dumps(rterm["exit"]))
        self.expect(pipe, 128 + signal.SIGPIPE)
        self.assertTrue(rpipe["exit"] == {"signal": signal.SIGPIPE},
                        json.dumps(rpipe["exit"]))

    def test_reports_that_cannot_be_written(self):
        missing = "/nonexistent/dir/r.json"
        p = run(["--json", missing, "--isolate", "--", PROG, "leak"])
        self.expect(p, 2, contains=["shmcheck: cannot write '%s': No such "
                                    "file or directory\n" % missing])
        for opt in ("--json", "--sarif"):
            p = run([opt, "/dev/full", "--isolate", "--", PROG, "leak"])
            self.expect(p, 2, contains=["shmcheck: writing '/dev/full' "
                                        "failed\n"])
        with open("/dev/full", "w") as full:
            p = quiet_gcov(subprocess.run(
                [SHMCHECK, "--json", "-", "--isolate", "--", PROG, "clean"],
                stdout=full, stderr=subprocess.PIPE, text=True))
            q = subprocess.run([SHMCHECK, "--isolate", "--", PROG, "leak"],
                               stderr=full)
        self.expect(p, 2, contains=["shmcheck: writing '-' failed\n"])
        self.assertTrue(q.returncode == 2,
                        "text report to a full disk: %d" % q.returncode)

    def test_out_of_memory_anywhere(self):
        """Every allocation from the n-th on fails: shmcheck says so and
        exits 2, or gives the whole report; it never crashes."""
        if not shutil.which("cc"):
            self.skipTest("needs cc to build failmalloc.so")
        with Tmp() as tmp:
            so = os.path.join(tmp, "failmalloc.so")
            subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so,
                            os.path.join(HELPERS, "failmalloc.c"), "-ldl"],
                           check=True)
            logs = os.path.join(tmp, "logs")
            supp = os.path.join(tmp, "supp")
            with open(supp, "w") as f:
                f.write("lint:*\n")
            self.expect(run(["-q", "--log-dir", logs, "--isolate", "--",
                             PROG, "double_detach"]), 23)
            args = ["-n", "-S", supp, "--replay", logs, "--json", "-"]
            want = run(args).stdout
            n = 0
            while True:
                p, whole = out_of_memory_from(n, args, so, want)
                if whole:
                    break
                self.assertTrue(p.returncode == 2 and any(
                    m in p.stderr for m in ("out of memory", "Cannot allocate "
                                            "memory", "writing '-' failed")),
                    "allocation %d: exit %d\n%s" % (n, p.returncode,
                                                    p.stderr))
                n += 1
                self.assertTrue(n < 2000, "never completes")
        self.assertTrue(n > 10, "only %d allocations" % n)


if __name__ == "__main__":
    main()
