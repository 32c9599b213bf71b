#!/usr/bin/env python3
"""test_checkpoint.py - journals bounded by live state (issue 13): the
tracer checkpoints a journal that would grow past a size (the
SHMC_TEST_JOURNAL_CHECKPOINT hook, small here to force many checkpoints),
folding identical calls (docs/journal-format.md, "Checkpoints").

- The same program with and without checkpoints gives the same findings:
  the same set of (kind, rule, call, errno, message, process, stack), the
  same leaks and unmatched attaches one by one, and journals that stand
  for the same calls (each record counts 1 + its repeat). Fields that
  legitimately differ between two runs are left out: shmids, addresses,
  pids, times, the arguments of failed calls. Until findings are grouped
  (one per kind and stack, with a count), a folded run reports each group
  of lints, failed calls and invalid detaches by its first and its last
  call only: their counts are compared in the journals.
- A SIGKILL at every step of a checkpoint loses no call that returned
  (the program prints its count after each) and leaves no damage.
- A process that dropped root, whose journal the CLI's broker made,
  checkpoints through the broker (which makes the .ckpt and renames it):
  its journal stays small, nothing lost, no warning, no .ckpt left.
- 300000 attach/detach pairs over 4 threads leave a journal no larger
  than the checkpoint size (1 MiB), nothing lost, and the report of a
  10000-pair run.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_checkpoint.py
"""
import collections
import json
import os
import re
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, SHMCHECK, CliTest, Tmp, main,  # noqa: E402
                     need_root_tools)

PROG = os.path.join(BUILD, "tests/cli/helpers/ckpt_prog")
SHMAT, SHMDT = 4, 5


def journal(path):
    """(header lost, records) of the journal at path; each record a dict
    of its type, repeat count and GHOST bit."""
    with open(path, "rb") as f:
        data = f.read()
    magic, version, hsize = struct.unpack_from("<8sII", data, 0)
    assert (magic, version) == (b"SHMCJRNL", 3), (magic, version)
    lost = struct.unpack_from("<Q", data, 48)[0]
    off, recs = hsize, []
    while off + 4 <= len(data):
        size, rtype, commit = struct.unpack_from("<IHH", data, off)
        if size == 0:
            break
        rep = struct.unpack_from("<I", data, off + 68)[0]
        if commit == 0xC0DE:
            recs.append({"type": rtype, "repeat": rep & 0x7FFFFFFF,
                         "ghost": rep >> 31})
        off += size
    return lost, recs


def calls(recs):
    """Calls of each record type the records stand for."""
    c = collections.Counter()
    for r in recs:
        c[r["type"]] += 1 + r["repeat"]
    return c


def journals(logdir):
    return sorted(n for n in os.listdir(logdir) if n.endswith(".shmj"))


def finding_key(f, role):
    stack = tuple((s.get("function"), s.get("line")) for s in f["stack"])
    msg = re.sub(r"0x[0-9a-f]+", "ADDR", f.get("message") or "")
    return (f["kind"], f.get("rule"), f.get("call"), f.get("errno"), msg,
            f.get("inherited"), f.get("ended_by"), role.get(f.get("pid", f.get("creator_pid"))), stack)


def findings(report):
    """The report's findings as a multiset of keys without what differs
    from run to run; a process is named by its rank in pid order."""
    role = {p: i for i, p in
            enumerate(sorted(p["pid"] for p in report["processes"]))}
    return collections.Counter(finding_key(f, role)
                               for f in report["findings"])


class Checkpoint(CliTest):

    def traced(self, tmp, name, args, ckpt, kill=None, wrap=()):
        logdir = os.path.join(tmp, name)
        out = os.path.join(tmp, name + ".json")
        env = dict(os.environ, SHMC_TEST_JOURNAL_CHECKPOINT=str(ckpt))
        if kill is not None:
            env["SHMC_TEST_CHECKPOINT_KILL"] = str(kill)
        p = subprocess.run([SHMCHECK, "--cleanup", "--log-dir", logdir,
                            "--json", out, "--"] + list(wrap) + [PROG] + args,
                           capture_output=True, text=True, timeout=300,
                           env=env)
        with open(out) as f:
            return p, json.load(f), logdir

    def test_same_findings(self):
        with Tmp() as tmp:
            args = ["mix", "20000", "4"]
            p0, r0, d0 = self.traced(tmp, "plain", args, 0)
            p1, r1, d1 = self.traced(tmp, "folded", args, 8192)
            self.assertEqual((p0.returncode, p1.returncode), (23, 23))
            self.assertEqual(p0.stdout, p1.stdout)
            self.assertEqual((r0["warnings"], r1["warnings"]), ([], []))
            f0, f1 = findings(r0), findings(r1)
            self.assertEqual(set(f0), set(f1))
            for kind in ("leaked_segment", "unmatched_attach"):
                self.assertEqual({k: n for k, n in f0.items() if k[0] == kind},
                                 {k: n for k, n in f1.items() if k[0] == kind})
            for key in ("leaked_segments", "leaked_bytes",
                        "unmatched_attaches", "inherited_unmatched"):
                self.assertEqual(r0["summary"][key], r1["summary"][key])
            self.assertGreater(r0["summary"]["lints"], 1000)
            j0, j1 = journals(d0), journals(d1)
            self.assertEqual(len(j0), 2)  # the program and its fork child
            self.assertEqual(len(j1), 2)
            folded = 0
            for a, b in zip(j0, j1):
                lost0, recs0 = journal(os.path.join(d0, a))
                lost1, recs1 = journal(os.path.join(d1, b))
                self.assertEqual((lost0, lost1), (0, 0))
                self.assertEqual(calls(recs0), calls(recs1))
                folded += sum(1 for r in recs1 if r["repeat"] or r["ghost"])
            self.assertGreater(folded, 100)
            self.assertLess(os.path.getsize(os.path.join(d1, j1[0])),
                            os.path.getsize(os.path.join(d0, j0[0])) / 4)

    def test_sigkill_at_each_step(self):
        """Steps: the .ckpt created, written, mapped, renamed, done."""
        for step in range(1, 6):
            with Tmp() as tmp:
                p, r, d = self.traced(tmp, "l", ["steps", "2000"], 8192,
                                      kill=step)
                returned = len(p.stdout.split())
                self.assertGreater(returned, 100)
                self.assertEqual(p.stdout.split()[-1], str(returned))
                self.assertEqual(r["exit"], {"signal": 9})
                self.assertEqual(r["warnings"], [], step)
                [name] = journals(d)
                stray = [n for n in os.listdir(d) if n.endswith(".ckpt")]
                self.assertEqual(stray, [name + ".ckpt"] if step < 4 else [])
                lost, recs = journal(os.path.join(d, name))
                c = calls(recs)
                self.assertEqual(lost, 0)
                self.assertEqual(c[SHMAT] + c[SHMDT], returned, step)
                self.assertEqual([f["kind"] for f in r["findings"]],
                                 ["leaked_segment"])

    def test_dropped_root_checkpoints_through_broker(self):
        need_root_tools("setpriv")
        wrap = ["setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups"]
        with Tmp() as tmp:
            os.chmod(tmp, 0o755)
            p, r, d = self.traced(tmp, "l", ["pairs", "20000", "2"], 8192,
                                  wrap=wrap)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, "calls 40002\n")
            self.assertEqual(r["warnings"], [])
            # setpriv's image needs no journal (it is in the image
            # registry); the program's, after its exec as nobody, cannot
            # write there: it journals from its start, through the broker
            self.assertEqual([n for n in sorted(os.listdir(d))
                              if n not in ("kernel.shm", "images.shmr")],
                             journals(d))
            self.assertEqual(len(journals(d)), 1)
            name = journals(d)[-1]
            lost, recs = journal(os.path.join(d, name))
            self.assertEqual(lost, 0)
            self.assertEqual(calls(recs)[SHMAT], 20000)
            self.assertEqual(calls(recs)[SHMDT], 20000)
            self.assertTrue(any(r["repeat"] and r["ghost"] for r in recs))
            self.assertLess(os.path.getsize(os.path.join(d, name)), 1 << 16)

    def test_many_pairs_bounded(self):
        with Tmp() as tmp:
            p0, r0, _ = self.traced(tmp, "short", ["pairs", "10000", "4"], 0)
            p1, r1, d1 = self.traced(tmp, "long", ["pairs", "300000", "4"],
                                     1 << 20)
            self.assertEqual((p0.returncode, p1.returncode), (0, 0))
            self.assertEqual(p1.stdout, "calls 600002\n")
            [name] = journals(d1)
            self.assertLessEqual(os.path.getsize(os.path.join(d1, name)),
                                 1 << 20)
            lost, recs = journal(os.path.join(d1, name))
            self.assertEqual(lost, 0)
            self.assertEqual((calls(recs)[SHMAT], calls(recs)[SHMDT]),
                             (300000, 300000))
            for key in ("findings", "summary", "warnings"):
                self.assertEqual(r0[key], r1[key])


if __name__ == "__main__":
    main()
