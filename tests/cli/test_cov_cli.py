"""test_cov_cli.py - edges of the CLI's own setup: a --log-dir that is a
file, or under a directory others may write in; a $TMPDIR where no log
directory can be made; the JSON report on stdout ("-"); an empty argv[0];
the program found without PATH; a log directory id in the caller's
environment not passed on; --cleanup after --replay; a report file that
cannot be written (/dev/full); and, while shmcheck waits for the tree, a
stop and continue, which is no signal to forward, a SIGHUP forwarded to
the program, and a second stop after the program ended."""
import json
import os
import platform
import select
import signal
import subprocess
import time
import unittest

from support import SHMCHECK, CliTest, Tmp, main, quiet_gcov, run

SUMMARY = "==shmcheck== SUMMARY: shmcheck: 0 leaked segment(s)"


class Setup(CliTest):
    def test_log_dir_is_a_file(self):
        with Tmp() as tmp:
            path = os.path.join(tmp, "file")
            open(path, "w").close()
            self.expect(run(["--log-dir", path, "--", "true"]), 2,
                        "shmcheck: --log-dir: '%s': Not a directory\n" % path)

    def test_log_dir_under_a_directory_others_may_change(self):
        with Tmp() as tmp:
            open_dir = os.path.join(tmp, "open")
            os.mkdir(open_dir)
            os.chmod(open_dir, 0o777)  # not sticky
            logs = os.path.join(open_dir, "logs")
            self.expect(run(["--log-dir", logs, "--", "true"]), 2,
                        "shmcheck: log directory: '%s': '%s' above it can be "
                        "changed by other users (uid %d, mode 0777): another "
                        "user could replace the journals\n"
                        % (logs, open_dir, os.stat(open_dir).st_uid))

    def test_no_log_directory_in_tmpdir(self):
        env = dict(os.environ, TMPDIR="/proc")  # nobody creates there
        self.expect(run(["--", "true"], env=env), 2,
                    contains=["shmcheck: cannot create a log directory in "
                              "/proc: "])

    def test_json_on_stdout(self):
        p = run(["--json", "-", "--", "true"])
        self.expect(p, 0, contains=[SUMMARY])
        r = json.loads(p.stdout)
        self.assertEqual(r["command"], ["true"])
        self.assertEqual(r["findings"], [])

    def test_empty_argv0(self):
        p = quiet_gcov(subprocess.run([""] + ["--bogus"], executable=SHMCHECK,
                                      capture_output=True, text=True,
                                      timeout=60))
        self.expect(p, 2, "shmcheck: unknown option '--bogus'\nTry 'shmcheck "
                    "--help' for more information.\n")

    def test_program_found_without_path(self):
        env = {k: v for k, v in os.environ.items() if k != "PATH"}
        p = run(["--", "sh", "-c", "echo found"], env=env)
        self.expect(p, 0, contains=[SUMMARY])
        self.assertEqual(p.stdout, "found\n")

    def test_callers_log_dir_id_not_passed_on(self):
        env = dict(os.environ, SHMCHECK__LOG_DIR_ID="1:2")
        p = run(["--", "sh", "-c", "env | grep '^SHMCHECK__LOG_DIR_ID='"],
                env=env)
        self.expect(p, 0)
        ids = p.stdout.splitlines()
        self.assertEqual(len(ids), 1, p.stdout)
        self.assertNotEqual(ids[0], "SHMCHECK__LOG_DIR_ID=1:2")

    def test_cleanup_after_replay(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            self.expect(run(["--log-dir", logs, "--", "true"]), 0)
            self.expect(run(["--replay", logs, "--isolate", "--cleanup"]), 0,
                        contains=["--cleanup removed 0 leaked segment(s)"])

    def test_program_not_found_without_path(self):
        env = {k: v for k, v in os.environ.items() if k != "PATH"}
        self.expect(run(["--", "no-such-program"], env=env), 127,
                    contains=["shmcheck: cannot run 'no-such-program': No "
                              "such file or directory\n"])

    def test_report_that_cannot_be_written(self):
        self.expect(run(["--json", "/dev/full", "--", "true"]), 2,
                    contains=["shmcheck: writing '/dev/full' failed\n"])


# rt_sigtimedwait, what shmcheck waits for the tree in (sigwaitinfo)
SIGTIMEDWAIT = {"x86_64": "128", "aarch64": "137"}.get(platform.machine())


def waiting(pid):
    """Whether pid is blocked in rt_sigtimedwait now."""
    with open("/proc/%d/syscall" % pid) as f:
        return f.read().split()[0] == SIGTIMEDWAIT


class WaitingForTheTree(unittest.TestCase):
    @unittest.skipUnless(SIGTIMEDWAIT, "syscall number not known here")
    def test_stop_and_continue_while_waiting(self):
        """Stopped and continued in sigwaitinfo (which then fails with
        EINTR): nothing is forwarded, the tree runs on to its end."""
        p = subprocess.Popen([SHMCHECK, "--", "sh", "-c", "read x; echo $x"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not waiting(p.pid):  # a state polled, not a delay guessed
            self.assertLess(time.monotonic(), deadline)
            os.sched_yield()
        os.kill(p.pid, signal.SIGSTOP)
        _, status = os.waitpid(p.pid, os.WUNTRACED)
        self.assertTrue(os.WIFSTOPPED(status))
        os.kill(p.pid, signal.SIGCONT)
        out, err = p.communicate("went on\n", timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(out, "went on\n")
        self.assertNotIn("came", err)
        self.assertIn(SUMMARY, err)

    def test_sighup_reaches_the_program(self):
        prog = ("import signal; s = {signal.SIGHUP}; "
                "signal.pthread_sigmask(signal.SIG_BLOCK, s); "
                "print('ready', flush=True); "
                "print(signal.sigwait(s).name, flush=True)")
        p = subprocess.Popen([SHMCHECK, "--", "python3", "-c", prog],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.assertEqual(p.stdout.readline(), "ready\n")
        p.send_signal(signal.SIGHUP)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(out, "SIGHUP\n")

    def test_second_stop_after_the_program_ended(self):
        """The program ended, what it left ignores SIGINT and SIGTERM: the
        second of them kills it."""
        p = subprocess.Popen([SHMCHECK, "--", "sh", "-c", "trap '' INT TERM; "
                              "sleep 60 & echo $$ $!"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        shell, sleeper = map(int, p.stdout.readline().split())
        try:  # readable once the shell has ended
            ended = os.pidfd_open(shell)
            select.select([ended], [], [], 30)
            os.close(ended)
        except ProcessLookupError:
            pass  # ended and reaped already
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, err)
        self.assertIn("the run was stopped by a second SIGTERM: the processes "
                      "of the tree still running were killed (SIGKILL)", err)
        self.assertFalse(os.path.exists("/proc/%d" % sleeper))


if __name__ == "__main__":
    main()
