#!/usr/bin/env python3
"""test_usage_args.py - what the options' values may be: "--" ends the
options and is never an option's value, nor is an empty string (each
option that takes one is refused with exit status 2); --replay only of a
directory that holds a journal, and without a program; a --replay run's
exit status is a defined value (valgrind, when it is installed).
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_usage_args.py
"""
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, TRY, CliTest, Tmp, main,  # noqa: E402
                     run)

# Every option that takes a value: long name, short name.
VALUED = (("json", "j"), ("sarif", "s"), ("suppressions", "S"),
          ("error-exitcode", "e"), ("errors", "E"), ("log-dir", "l"),
          ("replay", "r"), ("trace-lib", "t"))


class Values(CliTest):
    """An option's value is never "--" nor empty."""

    def test_double_dash_is_no_value(self):
        with Tmp() as tmp:
            for name, short in VALUED:
                for args in (["--" + name, "--", PROG, "clean"],
                             ["-" + short, "--", PROG, "clean"],
                             ["--%s=--" % name, "--", PROG, "clean"]):
                    p = run(args, cwd=tmp)
                    self.expect(p, 2, "shmcheck: option '--%s' needs an "
                                "argument before '--'\n%s" % (name, TRY))
            # Before: the JSON report went to a file named "--".
            self.assertEqual(os.listdir(tmp), [])

    def test_empty_is_no_value(self):
        for name, short in VALUED:
            for args in (["--" + name, "", "--", PROG, "clean"],
                         ["--%s=" % name, "--", PROG, "clean"],
                         ["-" + short, "", "--", PROG, "clean"]):
                self.usage_error(args, "option '--%s' needs a non-empty "
                                 "argument" % name)

    def test_values_that_look_like_options_still_count(self):
        # Only "--" itself is refused: "-" is standard output.
        with Tmp() as tmp:
            p = run(["--json", "-", "--isolate", "--", PROG, "clean"],
                    cwd=tmp)
        self.expect(p, 0)
        self.assertTrue(p.stdout.startswith("{"), p.stdout)


class Replay(CliTest):
    """--replay DIR: a directory with journals, and no program."""

    def kept(self, tmp, scenario="clean", status=0):
        logs = os.path.join(tmp, "logs-" + scenario)
        self.expect(run(["--log-dir", logs, "--isolate", "--quiet", "--",
                         PROG, scenario]), status)
        return logs

    def test_a_file_is_refused(self):
        with Tmp() as tmp:
            f = os.path.join(tmp, "file")
            open(f, "w").close()
            self.usage_error(["--replay", f],
                             "--replay: '%s' is not a directory" % f)

    def test_a_directory_without_journals_is_refused(self):
        with Tmp() as tmp:
            empty = os.path.join(tmp, "empty")
            os.mkdir(empty)
            self.usage_error(["--replay", empty],
                             "--replay: '%s' holds no journal" % empty)
            # Other files are not journals either.
            with open(os.path.join(empty, "1.messages"), "w") as f:
                f.write("shmcheck: pid 1: a message\n")
            os.mkdir(os.path.join(empty, "sub.d"))
            self.usage_error(["-r", empty],
                             "--replay: '%s' holds no journal" % empty)

    def test_a_program_is_refused(self):
        with Tmp() as tmp:
            logs = self.kept(tmp)
            self.usage_error(["--replay", logs, "--", PROG, "clean"],
                             "--replay runs no program: '%s' given" % PROG)
            self.usage_error(["--replay", logs, PROG],
                             "--replay runs no program: '%s' given" % PROG)
            # A lone "--" names no program.
            self.expect(run(["--replay", logs, "--quiet", "--"]), 0, "")

    def test_exit_status_is_defined_under_valgrind(self):
        if not shutil.which("valgrind"):
            self.skipTest("needs valgrind")
        with Tmp() as tmp:
            clean = self.kept(tmp)
            bad = self.kept(tmp, "double_detach", 23)  # an error: 23
            for logs, status in ((clean, 0), (bad, 23)):
                for extra in ([], ["--quiet"], ["--json", "-"],
                              ["--cleanup", "-g"]):
                    p = subprocess.run(
                        ["valgrind", "-q", "--error-exitcode=99",
                         "--exit-on-first-error=yes", SHMCHECK, "--replay",
                         logs] + extra, capture_output=True, text=True,
                        timeout=300)
                    self.expect(p, status)
                    self.assertNotIn("==",
                                     p.stderr.replace("==shmcheck==", ""))


if __name__ == "__main__":
    main()
