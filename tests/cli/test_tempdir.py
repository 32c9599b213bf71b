"""test_tempdir.py - the private log directory under $TMPDIR is removed
however shmcheck ends: by shmcheck itself at every end it reaches (a
normal one, a SIGTERM it forwards), by its janitor when it is killed
(SIGKILL); the janitor never touches a directory that has taken the
name since, and never keeps shmcheck's output pipes open."""
import ctypes
import os
import select
import shutil
import signal
import subprocess
import tempfile
import unittest

from support import SHMCHECK, main, need_root_tools

PR_SET_CHILD_SUBREAPER = 36

WAIT = "echo $$; exec sleep 60"  # the program: its pid, then it waits


def janitor_of(path):
    """The pid of the janitor that holds path open, else None."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/comm" % pid) as f:
                if f.read() != "shmc-janitor\n":
                    continue
            fds = os.listdir("/proc/%s/fd" % pid)
            if path in (os.readlink("/proc/%s/fd/%s" % (pid, fd))
                        for fd in fds):
                return int(pid)
        except OSError:
            continue  # ended while we looked
    return None


def fd_targets(pid):
    """What each of pid's descriptors refers to: {fd: target}."""
    d = "/proc/%d/fd" % pid
    return {int(fd): os.readlink(os.path.join(d, fd)) for fd in os.listdir(d)}


def wait_end(pid, testcase):
    """Waits (30 s at most) for pid, not our child, to end."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # ended already
    try:
        r, _, _ = select.select([fd], [], [], 30)
        testcase.assertEqual(r, [fd], "process %d did not end" % pid)
    finally:
        os.close(fd)


class TempDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="shmc-tmpdir-")
        self.env = dict(os.environ, TMPDIR=self.tmp)
        self.prog = None
        self.p = None

    def tearDown(self):
        if self.p is not None and self.p.poll() is None:  # a test failed
            self.p.kill()
        if self.prog is not None:  # the program, if it still runs
            try:
                signal.pidfd_send_signal(self.prog, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self.prog)
        if self.p is not None:
            self.p.communicate(timeout=30)
        shutil.rmtree(self.tmp)

    def start(self, args=()):
        """shmcheck ARGS -- sh -c WAIT, its stdout a pipe, once the
        program runs; the program's pidfd in self.prog."""
        p = subprocess.Popen([SHMCHECK] + list(args) +
                             ["--", "sh", "-c", WAIT], env=self.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.p = p
        self.prog = os.pidfd_open(int(p.stdout.readline()))
        return p

    def the_dir(self):
        """The one directory shmcheck made in TMPDIR."""
        names = os.listdir(self.tmp)
        self.assertEqual(len(names), 1, names)
        self.assertTrue(names[0].startswith("shmcheck."), names)
        return os.path.join(self.tmp, names[0])

    def kill_all(self, p):
        """SIGKILL to shmcheck, then to the program; shmcheck's output."""
        p.kill()
        p.wait(timeout=30)
        signal.pidfd_send_signal(self.prog, signal.SIGKILL)
        return p.communicate(timeout=30)

    def test_normal_run_leaves_nothing(self):
        """A run to its end: TMPDIR is empty once shmcheck has ended, and
        its output reaches end-of-file then."""
        p = subprocess.run([SHMCHECK, "--", "sh", "-c", "echo hi"],
                           env=self.env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "hi\n")
        self.assertEqual(os.listdir(self.tmp), [])

    def test_sigterm_run_leaves_nothing(self):
        """SIGTERM to shmcheck is forwarded, the program ends, shmcheck
        reports and removes its directory (exit 128+15)."""
        p = self.start()
        self.the_dir()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, err)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_sigkill_janitor_removes_it(self):
        """SIGKILL to shmcheck: its janitor removes the directory and the
        journals in it, and ends."""
        p = self.start()
        path = self.the_dir()
        self.assertTrue(os.listdir(path))  # the journals
        jan = janitor_of(path)
        self.assertIsNotNone(jan, "no janitor holds %s" % path)
        # Outside the tree: neither shmcheck's child nor in its session.
        with open("/proc/%d/stat" % jan) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        self.assertNotEqual(ppid, p.pid)
        self.assertNotEqual(os.getsid(jan), os.getsid(p.pid))
        # Its descriptors: 0-2 on /dev/null, TMPDIR, the directory, its
        # pipe; none of shmcheck's output pipes.
        fds = fd_targets(jan)
        ours = fd_targets(p.pid)
        self.assertEqual([fds[i] for i in (0, 1, 2)], ["/dev/null"] * 3)
        self.assertEqual(sorted(fds[i] for i in fds if i > 2
                                if not fds[i].startswith("pipe:")),
                         sorted([os.path.realpath(self.tmp), path]))
        self.assertEqual(len(fds), 6, fds)
        self.assertNotIn(ours[1], fds.values())
        self.assertNotIn(ours[2], fds.values())
        self.kill_all(p)
        wait_end(jan, self)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_janitor_spares_a_directory_that_took_the_name(self):
        """The directory is moved away and another, not shmcheck's, made
        at its name (another user's, after shmcheck removed its own):
        the janitor removes nothing in it, nor it."""
        p = self.start()
        path = self.the_dir()
        jan = janitor_of(path)
        self.assertIsNotNone(jan)
        os.rename(path, path + ".moved")
        os.mkdir(path, 0o700)
        with open(os.path.join(path, "theirs"), "w") as f:
            f.write("not shmcheck's\n")
        self.kill_all(p)
        wait_end(jan, self)
        self.assertEqual(os.listdir(path), ["theirs"])

    def test_init_of_a_pid_namespace_ends(self):
        """shmcheck as process 1 of a PID namespace (a container's first
        process): an orphaned janitor would be its child, which its
        reaping would wait for; it starts none, and ends."""
        need_root_tools("unshare")
        p = subprocess.run(["unshare", "--pid", "--fork", SHMCHECK, "--",
                            "true"], env=self.env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_inherited_subreaper_setting_ends(self):
        """shmcheck exec'd by a subreaper, whose setting survives exec:
        the janitor must not become its child; the run ends, and a killed
        one is still swept."""
        def subreaper():
            ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        p = subprocess.run([SHMCHECK, "--", "true"], env=self.env,
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=subreaper)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_no_janitor_for_log_dir(self):
        """--log-dir: the directory is the user's; no janitor, and a
        killed run keeps it and its journals."""
        d = os.path.join(self.tmp, "logs")
        p = self.start(["--log-dir", d])
        self.assertIsNone(janitor_of(d))
        self.kill_all(p)
        self.assertTrue(os.listdir(d))


if __name__ == "__main__":
    main()
