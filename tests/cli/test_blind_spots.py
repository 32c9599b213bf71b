#!/usr/bin/env python3
"""test_blind_spots.py - issue 11, no silent blind spots: what the tracer
once could not see, seen end to end through the shmcheck CLI (programs:
tests/cli/helpers/leaky_prog.c, the issue's block).

  - a child made by a raw clone system call has a journal of its own: its
    leak is reported for it, with its stack;
  - a pid that execs more than 1000 times is traced in every image: the
    last one's leak is reported, with its stack;
  - the tracer's complaints (a malformed SHMCHECK_* setting the program
    inherited) reach the report's warnings, not the program's stderr.

Run: SHMC_BUILD_DIR=build python3 tests/cli/test_blind_spots.py
"""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, CliTest, main,  # noqa: E402
                     segments, shmcheck_json)


def functions(finding):
    """The functions of a finding's stack that are in leaky_prog.c."""
    return [f["function"] for f in finding["stack"]
            if (f.get("file") or "").endswith("leaky_prog.c")]


class BlindSpots(CliTest):

    def leak_of(self, sub, *args):
        """shmcheck --isolate on leaky_prog SUB ARGS: exit 23 and one
        finding, a leaked segment seen by the tracer; it and the report."""
        before = segments()
        proc, report = shmcheck_json(["--isolate"], [PROG, sub] + list(args))
        self.expect(proc, 23)
        self.assertEqual(segments(), before)
        self.assertEqual([f["kind"] for f in report["findings"]],
                         ["leaked_segment"], proc.stderr)
        leak = report["findings"][0]
        self.assertEqual(leak["seen_by"], "tracer")
        return leak, report, proc

    def test_raw_clone_child_leak(self):
        leak, report, proc = self.leak_of("rawclone")
        procs = {p["pid"]: p for p in report["processes"]}
        self.assertEqual(len(procs), 2)
        child = procs[leak["creator_pid"]]
        self.assertIn(child["ppid"], procs)  # the clone child, not the top
        self.assertEqual(functions(leak), ["create", "leak", "rawclone",
                                           "blind_spots", "main"])
        self.assertIn("created by pid %d" % child["pid"], proc.stderr)

    def test_more_than_1000_execs(self):
        start = time.monotonic()
        leak, report, _ = self.leak_of("exec_many", "1100")
        self.assertEqual(functions(leak), ["create", "leak", "exec_many",
                                           "blind_spots", "main"])
        self.assertEqual(len(report["processes"]), 1)
        self.assertLess(time.monotonic() - start, 60)

    def test_tracer_messages_go_to_the_report(self):
        env = dict(os.environ, SHMCHECK_STACKS="bogus")
        bare = subprocess.run([PROG, "say"], capture_output=True, env=env)
        self.assertEqual(bare.returncode, 0)
        # --quiet: no text report without errors; stderr is the program's.
        proc, report = shmcheck_json(["--isolate", "--quiet"], [PROG, "say"],
                                     env=env)
        self.expect(proc, 0)
        self.assertEqual(proc.stderr.encode(), bare.stderr)
        self.assertEqual(proc.stderr, "leaky_prog: my own stderr\n")
        pid = report["processes"][0]["pid"]
        warned = [w for w in report["warnings"] if "SHMCHECK_STACKS" in w]
        self.assertEqual(len(warned), 1, report["warnings"])
        self.assertTrue(warned[0].startswith(
            "tracer: shmcheck: pid %d: SHMCHECK_STACKS='bogus'" % pid),
            warned[0])
        # The text report shows it too.
        text = subprocess.run(
            [SHMCHECK, "--isolate", "--", PROG, "say"], capture_output=True, text=True,
            env=env)
        self.assertIn("warning: tracer: shmcheck: pid ", text.stderr)
        self.assertIn("SHMCHECK_STACKS='bogus'", text.stderr)


if __name__ == "__main__":
    main()
