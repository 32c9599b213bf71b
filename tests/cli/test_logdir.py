#!/usr/bin/env python3
"""test_logdir.py - where shmcheck keeps the journals and finds the tracer
(src/cli/logdir.c): --log-dir made private and kept, refused when it is
not a usable, empty directory; the temporary log directory under $TMPDIR,
removed after the run; the tracer from --trace-lib, SHMCHECK_TRACE_LIB,
next to or below the program, and not found without /proc.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_logdir.py
"""
import os
import shutil
import stat
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, TRACER, CliTest, Tmp, main,  # noqa: E402
                     need_root_tools, quiet_gcov, run)

NO_TRACER = ("shmcheck: cannot find libshmcheck-trace.so (use --trace-lib or "
             "SHMCHECK_TRACE_LIB)\n")


class LogDir(CliTest):
    """--log-dir and the temporary directory that stands for it."""

    def test_log_dir_keeps_the_journals(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            first = run(["--log-dir", logs, "--isolate", "--", PROG,
                         "double_detach"])
            names = os.listdir(logs)
            mode = stat.S_IMODE(os.stat(logs).st_mode)
            again = run(["--log-dir", logs, "--isolate", "--", PROG, "clean"])
            empty = os.path.join(tmp, "empty")
            os.mkdir(empty, 0o700)  # whatever the umask
            reuse = run(["--log-dir", empty, "--isolate", "--", PROG,
                         "clean"])
            kept = os.listdir(empty)
        self.expect(first, 23)
        # The journal, the image registry (every process made a System V
        # call here, so it holds nothing) and the kernel's segments as the
        # run left them.
        self.assertEqual(len(names), 3, names)
        self.assertIn("kernel.shm", names)
        self.assertIn("images.shmr", names)
        self.assertTrue([n for n in names if n.endswith(".0.shmj")], names)
        self.assertTrue(mode == 0o700, oct(mode))
        self.expect(again, 2, "shmcheck: --log-dir: '%s' holds the journals "
                    "of an earlier run (analyse them with --replay, or give "
                    "an empty directory)\n" % logs)
        self.expect(reuse, 0)
        self.assertTrue(len([n for n in kept if n.endswith(".shmj")]) == 1,
                        kept)

    def test_log_dir_refused(self):
        with Tmp() as tmp:
            f = os.path.join(tmp, "file")
            open(f, "w").close()
            deep = os.path.join(tmp, "a", "b")
            dangling = os.path.join(tmp, "dangling")
            os.symlink(os.path.join(tmp, "nowhere"), dangling)
            for d, why in ((f, "Not a directory"),
                           (deep, "No such file or directory"),
                           (dangling, None)):
                why = ("'%s': %s" % (d, why) if why else
                       "'%s' is a symbolic link (give the directory it "
                       "points to, if that one is yours)" % d)
                self.expect(run(["--log-dir", d, "--", PROG, "clean"]), 2,
                            "shmcheck: --log-dir: %s\n" % why)

    def test_temporary_log_dir(self):
        with Tmp() as tmp:
            gone = os.path.join(tmp, "gone")
            p = run(["--", PROG, "clean"], env=dict(os.environ, TMPDIR=gone))
            q = run(["--isolate", "--", PROG, "clean"],
                    env=dict(os.environ, TMPDIR=""))
            r = run(["--isolate", "--", PROG, "clean"],
                    env=dict(os.environ, TMPDIR=tmp))
            left = os.listdir(tmp)
        self.expect(p, 2, "shmcheck: cannot create a log directory in %s: No "
                    "such file or directory\n" % gone)
        self.expect(q, 0)
        self.expect(r, 0)
        self.assertTrue(left == [], "not removed: %s" % left)


class Tracer(CliTest):
    """Where the tracer is looked for."""

    def test_trace_lib_given(self):
        self.expect(run(["--trace-lib", "/nonexistent/libt.so", "--", PROG,
                         "clean"]), 2, NO_TRACER)
        env = dict(os.environ, SHMCHECK_TRACE_LIB="/nonexistent/libt.so")
        self.expect(run(["--", PROG, "clean"], env=env), 2, NO_TRACER)
        self.expect(run(["--trace-lib", TRACER, "--isolate", "--", PROG,
                         "leak"]), 23)
        env = dict(os.environ, SHMCHECK_TRACE_LIB=TRACER)
        self.expect(run(["--isolate", "--", PROG, "leak"], env=env), 23)

    def test_tracer_next_to_or_below_the_program(self):
        with Tmp() as tmp, Tmp() as other:
            for d in ("bin", "lib"):
                os.mkdir(os.path.join(tmp, d))
            shutil.copy(SHMCHECK, os.path.join(tmp, "bin", "shmcheck"))
            shutil.copy(TRACER, os.path.join(tmp, "lib"))
            shutil.copy(SHMCHECK, os.path.join(other, "shmcheck"))
            installed = quiet_gcov(subprocess.run(
                [os.path.join(tmp, "bin", "shmcheck"), "--isolate", "--",
                 PROG, "leak"], capture_output=True, text=True))
            alone = quiet_gcov(subprocess.run(
                [os.path.join(other, "shmcheck"), "--", PROG, "leak"],
                capture_output=True, text=True))
        self.expect(installed, 23, contains=["ERROR: leaked segment"])
        # Where it looked: beside itself, where the install puts the
        # tracer relative to it, and where the install put it.
        self.assertEqual(alone.returncode, 2)
        self.assertRegex(alone.stderr,
                         r"^shmcheck: cannot find libshmcheck-trace\.so beside "
                         r"shmcheck, in \S+ from it or at /\S+/"
                         r"libshmcheck-trace\.so \(use --trace-lib or "
                         r"SHMCHECK_TRACE_LIB\)\n$")

    def test_no_proc_no_tracer(self):
        need_root_tools("unshare")
        p = quiet_gcov(subprocess.run(
            ["unshare", "--mount", "sh", "-c",
             'mount -t tmpfs none /proc && exec "$0" -- "$1" clean', SHMCHECK,
             PROG], capture_output=True, text=True))
        self.expect(p, 2, NO_TRACER)


if __name__ == "__main__":
    main()
