"""test_snapshot.py - a run with --log-dir keeps the kernel's segments as
it left them (kernel.shm); --replay judges the journals against that
snapshot, with the run's own --isolate and start time, so that it gives
the run's report even after the run's private IPC namespace is gone; a
damaged snapshot is said, and the kernel of now used instead."""
import json
import os
import unittest

from support import PROG, Tmp, main, run


def findings(path):
    with open(path) as f:
        r = json.load(f)
    return r, [(x["kind"], x.get("rule")) for x in r["findings"]]


class Snapshot(unittest.TestCase):
    def test_replay_of_an_isolated_run(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            first, again = (os.path.join(tmp, n) for n in ("1.json",
                                                            "2.json"))
            p = run(["--isolate", "--log-dir", logs, "--json", first, "--",
                     PROG, "leak"])
            self.assertEqual(p.returncode, 23, p.stderr)
            with open(os.path.join(logs, "kernel.shm")) as f:
                head = f.readline()
            self.assertRegex(head, r"^# shmcheck kernel snapshot 1 "
                                   r"isolated=1 start=\d+\n$")
            self.assertEqual(os.stat(os.path.join(logs, "kernel.shm"))
                             .st_mode & 0o777, 0o600)
            # The namespace is gone: today's kernel has no such segment.
            p = run(["--replay", logs, "--json", again])
            self.assertEqual(p.returncode, 23, p.stderr)
            r1, f1 = findings(first)
            r2, f2 = findings(again)
            self.assertEqual(f2, f1)
            self.assertIn(("leaked_segment", None), f2)
            self.assertEqual(r2["summary"], r1["summary"])
            self.assertNotIn("something outside it removed it", p.stderr)

    def test_damaged_snapshot_is_said(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            p = run(["--isolate", "--log-dir", logs, "--", PROG, "clean"])
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(logs, "kernel.shm"), "w") as f:
                f.write("not a snapshot\n")
            p = run(["--replay", logs])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("==shmcheck== warning: kernel.shm in the log "
                          "directory is damaged: the journals were judged "
                          "against the kernel's segments now", p.stderr)

    def test_fifo_in_place_of_the_snapshot(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            p = run(["--isolate", "--log-dir", logs, "--", PROG, "clean"])
            os.unlink(os.path.join(logs, "kernel.shm"))
            os.mkfifo(os.path.join(logs, "kernel.shm"))
            p = run(["--replay", logs])  # never blocks on it
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("kernel.shm in the log directory is damaged",
                          p.stderr)


if __name__ == "__main__":
    main()
