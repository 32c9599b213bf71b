"""test_hostile.py - shmcheck run by root against another local user
(nobody, uid 65534) who owns or can write the log directory, a directory
above it, or a symlink in its place: the run is refused with a message
that says why, before anything is written there, and the tracer alone
does not write journals into such a directory either. A FIFO with nobody
at the other end never hangs the run; a process outside the tree that
takes the pid of one of the tree's is never signalled nor has its
segment removed by --cleanup. (A journal swapped for another file, even
an exact copy: tests/journal/test_writer_swap.c.)"""
import os
import select
import shutil
import subprocess
import tempfile
import threading
import unittest

from support import (HELPERS, PROG, SHMCHECK as SHMCHECK_PATH, TRACER, Tmp,
                     main, run)

NOBODY = 65534


def need_root():
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (plays another user with chown)")


class LogDir(unittest.TestCase):
    def refused(self, log_dir, why):
        """shmcheck --log-dir log_dir -- PROG: exit 2, why in the message,
        the program never run (it would print), nothing written there."""
        before = sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []
        p = run(["--log-dir", log_dir, "--", PROG, "clean"])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertIn(why, p.stderr)
        self.assertIn("another user could", p.stderr)
        if os.path.isdir(log_dir):
            self.assertEqual(sorted(os.listdir(log_dir)), before)

    def test_symlink_is_refused(self):
        need_root()
        with Tmp() as tmp:
            real = os.path.join(tmp, "real")
            os.mkdir(real, 0o700)
            link = os.path.join(tmp, "link")
            os.symlink(real, link)
            p = run(["--log-dir", link, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--log-dir: '%s' is a symbolic link" % link, p.stderr)
            self.assertEqual(os.listdir(real), [])

    def test_foreign_owner_is_refused(self):
        need_root()
        with Tmp() as tmp:
            d = os.path.join(tmp, "theirs")
            os.mkdir(d, 0o700)
            os.chown(d, NOBODY, NOBODY)
            self.refused(d, "is not yours (uid 65534, mode 0700)")

    def test_writable_by_others_is_refused(self):
        need_root()
        for mode in (0o777, 0o1777, 0o770):
            with Tmp() as tmp:
                d = os.path.join(tmp, "open")
                os.mkdir(d)
                os.chmod(d, mode)
                self.refused(d, "can be written by other users (uid 0, "
                             "mode %04o)" % mode)

    def test_foreign_directory_above_is_refused(self):
        need_root()
        with Tmp() as tmp:
            above = os.path.join(tmp, "home")
            os.mkdir(above, 0o755)
            os.chown(above, NOBODY, NOBODY)
            d = os.path.join(above, "logs")
            os.mkdir(d, 0o700)
            p = run(["--log-dir", d, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("'%s' above it belongs to another user (uid "
                          "65534, mode 0755)" % above, p.stderr)

    def test_writable_directory_above_is_refused(self):
        need_root()
        with Tmp() as tmp:
            above = os.path.join(tmp, "shared")
            os.mkdir(above)
            os.chmod(above, 0o777)  # not sticky: anyone renames logs
            d = os.path.join(above, "logs")
            os.mkdir(d, 0o700)
            p = run(["--log-dir", d, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("above it can be changed by other users",
                          p.stderr)

    def test_hostile_tmpdir_is_refused(self):
        need_root()
        with Tmp() as tmp:
            os.chown(tmp, NOBODY, NOBODY)
            p = run(["--", PROG, "clean"], env=dict(os.environ, TMPDIR=tmp))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("above it belongs to another user", p.stderr)
            self.assertEqual(os.listdir(tmp), [])

    def test_own_directory_under_sticky_tmp_is_accepted(self):
        with Tmp() as tmp:
            d = os.path.join(tmp, "mine")
            p = run(["--log-dir", d, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.stat(d).st_mode & 0o777, 0o700)


class Standalone(unittest.TestCase):
    """The tracer preloaded without the CLI trusts only a directory of
    this user's or root's that nobody else can change, or, under the CLI,
    the very directory the CLI made (SHMCHECK__LOG_DIR_ID)."""

    def traced(self, log_dir, extra=None):
        env = dict(os.environ, LD_PRELOAD=TRACER, SHMCHECK_LOG_DIR=log_dir,
                   SHMCHECK_EXITCODE="0", **(extra or {}))
        return subprocess.run([PROG, "clean"], env=env, capture_output=True,
                              text=True, timeout=60)

    def test_foreign_directory_gets_no_journal(self):
        need_root()
        with Tmp() as tmp:
            d = os.path.join(tmp, "theirs")
            os.mkdir(d, 0o755)
            os.chown(d, NOBODY, NOBODY)
            p = self.traced(d)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("cannot create a journal in SHMCHECK_LOG_DIR: "
                          "errno 1 (EPERM)", p.stderr)
            self.assertEqual(os.listdir(d), [])

    def test_symlink_gets_no_journal(self):
        with Tmp() as tmp:
            real = os.path.join(tmp, "real")
            os.mkdir(real, 0o700)
            link = os.path.join(tmp, "link")
            os.symlink(real, link)
            p = self.traced(link)
            self.assertIn("errno 40 (ELOOP)", p.stderr)
            self.assertEqual(os.listdir(real), [])

    def test_pinned_directory_must_be_that_one(self):
        with Tmp() as tmp:
            a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            os.mkdir(a, 0o700)
            os.mkdir(b, 0o700)
            st = os.stat(b)
            pin = {"SHMCHECK__LOG_DIR_ID": "%d:%d" % (st.st_dev, st.st_ino)}
            p = self.traced(a, pin)
            self.assertIn("errno 1 (EPERM)", p.stderr)
            self.assertEqual(os.listdir(a), [])
            p = self.traced(b, pin)
            self.assertEqual(p.stderr, "")
            self.assertEqual(len([n for n in os.listdir(b)
                                  if n.endswith(".shmj")]), 1)

    def test_malformed_pin_is_said(self):
        with Tmp() as tmp:
            p = self.traced(tmp, {"SHMCHECK__LOG_DIR_ID": "12:x"})
            self.assertIn("SHMCHECK__LOG_DIR_ID is malformed", p.stderr)


class Fifos(unittest.TestCase):
    """A FIFO named as an output or a suppressions file, with nobody at
    the other end, never makes shmcheck wait forever."""

    def test_json_fifo_without_reader(self):
        with Tmp() as tmp:
            fifo = os.path.join(tmp, "fifo")
            os.mkfifo(fifo)
            p = run(["--json", fifo, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("shmcheck: cannot write '%s': a FIFO nobody reads"
                          % fifo, p.stderr)

    def test_json_fifo_with_reader(self):
        with Tmp() as tmp:
            fifo = os.path.join(tmp, "fifo")
            os.mkfifo(fifo)
            # Our end is open before shmcheck writes: it has a reader.
            rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            os.set_blocking(rfd, True)
            got = []

            def read_all():  # no writer yet reads as the end: poll first
                select.select([rfd], [], [], 60)
                got.append(b"".join(iter(lambda: os.read(rfd, 65536), b"")))
            reader = threading.Thread(target=read_all)
            reader.start()
            p = run(["--json", fifo, "--", PROG, "clean"])
            reader.join(60)
            os.close(rfd)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b'"summary"', got[0])

    def test_suppressions_fifo_without_writer(self):
        with Tmp() as tmp:
            fifo = os.path.join(tmp, "fifo")
            os.mkfifo(fifo)
            p = run(["--suppressions", fifo, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("cannot open %s: nothing written to it (a FIFO "
                          "without a writer?)" % fifo, p.stderr)
            self.assertEqual(p.stdout, "")  # the program never ran

    def test_suppressions_from_a_pipe(self):
        """Process substitution (a pipe with its writer) still works."""
        p = subprocess.run(["bash", "-c", '"$0" --suppressions <(printf '
                            '"leaked_segment:main\\n") --isolate -- "$1" leak',
                            SHMCHECK_PATH, PROG], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("1 suppressed", p.stderr)


class PidReuse(unittest.TestCase):
    """Another process takes the pid of a process of the tree that ended:
    --cleanup never removes what it made, and a signal sent to shmcheck
    never reaches it."""

    def test_cleanup_spares_a_segment_made_with_a_reused_pid(self):
        need_root()
        if shutil.which("unshare") is None or shutil.which("ipcmk") is None:
            self.skipTest("needs unshare and ipcmk")
        with Tmp() as tmp:
            p = subprocess.run(
                ["unshare", "--ipc", "--pid", "--fork", "--mount-proc",
                 "python3", os.path.join(HELPERS, "cleanup_reuse.py"),
                 SHMCHECK_PATH, os.path.join(tmp, "r.json")],
                capture_output=True, text=True, timeout=120)
        if p.returncode != 0 and "could not take" in p.stdout:
            self.skipTest("the pid could not be taken here")
        self.assertEqual(p.stdout.splitlines()[0], "bystander's segment kept",
                         p.stdout + p.stderr)
        self.assertIn("left 1 not proven to be this run's", p.stdout)

    def test_segment_made_with_a_pid_after_its_process_exited(self):
        """Made 3 s after the traced process with that pid exited (its
        journal's last record): not reported as the tree's leak; a
        warning says why."""
        need_root()
        if shutil.which("unshare") is None or shutil.which("ipcmk") is None:
            self.skipTest("needs unshare and ipcmk")
        with Tmp() as tmp:
            p = subprocess.run(
                ["unshare", "--ipc", "--pid", "--fork", "--mount-proc",
                 "python3", os.path.join(HELPERS, "cleanup_reuse.py"),
                 SHMCHECK_PATH, os.path.join(tmp, "r.json"), "3.5"],
                capture_output=True, text=True, timeout=120)
        if p.returncode != 0 and "could not take" in p.stdout:
            self.skipTest("the pid could not be taken here")
        lines = p.stdout.splitlines()
        self.assertEqual(lines[:3], [
            "bystander's segment kept",
            "shmcheck: --cleanup removed 0 leaked segment(s)",
            "reported as leaked: False"], p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"was created by pid \d+ after the "
                         r"process of the tree with that pid had exited: "
                         r"another process took the pid; not the tree's")

    def test_reaped_pid_taken_by_a_bystander(self):
        """The shell shmcheck started is reaped and its pid goes to a
        process outside the tree: SIGTERM to shmcheck must not reach it
        (it reaches the sleep the shell left running)."""
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            self.skipTest("needs root and unshare (a private PID namespace)")
        tmp = tempfile.mkdtemp(prefix="shmc-reuse-")
        try:
            p = subprocess.run(
                ["unshare", "--pid", "--fork", "--mount-proc", "python3",
                 os.path.join(HELPERS, "pid_reuse.py"), SHMCHECK_PATH,
                 os.path.join(tmp, "r.json")],
                capture_output=True, text=True, timeout=120)
        finally:
            shutil.rmtree(tmp)
        if p.returncode != 0 and "could not take" in p.stdout:
            self.skipTest("the pid could not be taken here")
        self.assertEqual(p.stdout, "bystander alive\nshmcheck exit %d\n"
                         % (128 + 15), p.stderr)


if __name__ == "__main__":
    main()
