#!/usr/bin/env python3
"""test_replay.py - shmcheck --replay end to end: the journals kept by
--log-dir give the same findings again, a foreign journal its warning,
a missing directory an error (test_usage_args.py: the usage errors), and a damaged journal is read
up to its damage. One journal replayed record by record: test_replay.c.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_replay.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, CliTest, Tmp, main,  # noqa: E402
                     report, run)


class Replay(CliTest):
    """--replay DIR."""

    def test_replay_what_was_kept(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            live_out, replay_out, iso_out = (os.path.join(tmp, n)
                                             for n in ("a", "b", "c"))
            live = run(["--log-dir", logs, "--json", live_out, "--isolate",
                        "--", PROG, "double_detach"])
            again = run(["--replay", logs, "--json", replay_out])
            # --isolate is for a run: a replay's segments are not the tree's
            # own namespace's, and it changes nothing.
            iso = run(["--replay", logs, "--isolate", "--json", iso_out])
            a, b = report(live_out), report(replay_out)
            c = report(iso_out)
            empty = os.path.join(tmp, "empty")
            os.mkdir(empty)
            with open(os.path.join(empty, "1.0.shmj"), "w") as f:
                f.write("not a journal")
            bad = run(["--replay", empty, "--json", "-"])
        self.expect(live, 23)
        self.expect(again, 23)
        self.expect(iso, 23)
        self.assertTrue(b == c, json.dumps(c))
        self.assertTrue(a["findings"] == b["findings"],
                        json.dumps(b["findings"]))
        self.assertTrue(b["command"] == [] and b["exit"] == {"status": None},
                        json.dumps(b))
        self.expect(bad, 0, contains=["warning: %s/1.0.shmj: not a shmcheck "
                                      "journal (bad magic or version)"
                                      % empty])
        self.assertTrue(len(json.loads(bad.stdout)["warnings"]) == 1,
                        bad.stdout)

    def test_replay_missing(self):
        self.expect(run(["--replay", "/nonexistent/logs"]), 2,
                    "shmcheck: --replay: '/nonexistent/logs': No such file or "
                    "directory\n")

    def test_damaged_journal_is_read_up_to_the_damage(self):
        tmp = tempfile.mkdtemp(prefix="shmc-dmg-")
        logs = os.path.join(tmp, "logs")
        p = subprocess.run([SHMCHECK, "--isolate", "-q", "--log-dir", logs,
                            "--", PROG, "double_detach"], capture_output=True,
                           text=True)
        journal = os.path.join(logs, [n for n in os.listdir(logs)
                                      if n.endswith(".shmj")][0])
        with open(journal, "rb") as f:
            data = f.read()
        with open(journal, "wb") as f:  # cut the last record in half
            f.write(data[:len(data) - 40])
        r = subprocess.run([SHMCHECK, "--replay", logs, "--json", "-"],
                           capture_output=True, text=True)
        shutil.rmtree(tmp)
        rep = json.loads(r.stdout)
        self.assertTrue(p.returncode == 23, p.stderr)
        self.assertTrue(any("damaged" in w for w in rep["warnings"]),
                        r.stdout)
        self.assertTrue(rep["summary"]["invalid_detaches"] == 1, r.stdout)


if __name__ == "__main__":
    main()
