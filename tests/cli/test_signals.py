"""test_signals.py - signals sent to shmcheck while the tree runs: once
the program it started has ended they reach the rest of the tree (never
a process that took a reaped pid), a second SIGINT or SIGTERM ends the
run promptly, and every such run is still reported."""
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import unittest

from support import SHMCHECK, main


def start(args, out):
    """shmcheck --json out ARGS, its stdout a pipe."""
    return subprocess.Popen([SHMCHECK, "--json", out] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


class AfterTheProgram(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="shmc-sig-")
        self.out = os.path.join(self.tmp, "r.json")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_signal_reaches_what_the_program_left_running(self):
        """sh -c 'sleep 60 &' ends at once; SIGTERM to shmcheck ends the
        sleep and the run, which exits 128+15 with a warning."""
        p = start(["--", "sh", "-c", "sleep 60 & echo $$ $!"], self.out)
        shell, sleeper = map(int, p.stdout.readline().split())
        try:  # readable once the shell has ended
            ended = os.pidfd_open(shell)
            select.select([ended], [], [], 30)
            os.close(ended)
        except ProcessLookupError:
            pass  # ended and reaped already
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 128 + signal.SIGTERM, err)
        self.assertFalse(os.path.exists("/proc/%d" % sleeper))
        with open(self.out) as f:
            r = json.load(f)
        self.assertEqual(r["exit"], {"status": 0})
        self.assertIn("SIGTERM came after the program ended: it was "
                      "forwarded to the processes of the tree still running",
                      r["warnings"])

    def test_second_stop_kills_the_rest(self):
        """A program that ignores SIGINT and SIGTERM: the first is
        forwarded and ignored, the second kills it (SIGKILL) and the run
        is reported."""
        p = start(["--", "sh", "-c", "trap '' INT TERM; echo ready; "
                   "exec sleep 60"], self.out)
        self.assertEqual(p.stdout.readline(), "ready\n")
        # Two different signals: two of one kind sent at once would be
        # pending as one.
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 128 + signal.SIGKILL, err)
        with open(self.out) as f:
            r = json.load(f)
        self.assertEqual(r["exit"], {"signal": signal.SIGKILL})
        self.assertIn("the run was stopped by a second SIGTERM: the "
                      "processes of the tree still running were killed "
                      "(SIGKILL)", r["warnings"])


if __name__ == "__main__":
    main()
