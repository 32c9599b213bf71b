#!/usr/bin/env python3
"""test_untraced.py - issue 11, untraced processes: shmcheck never says
"no leak" of a process it could not see (tests/cli/helpers/leaky_prog.c,
its last block; the static build is leaky_prog-static).

  - a traced parent's posix_spawn child that is a static program: known
    from the parent's SPAWN record, listed with "traced": false, its leak
    reported (seen by the kernel), a warning and the advice to isolate;
  - a clone(CLONE_VM) child: its creation is in its parent's journal, the
    kernel names it as the creator: its leak is reported, it is listed;
  - a static program vfork-ing a static leaker, unknowable without the
    kernel's process events: not isolated, the segment is a warning (made
    during the run by a pid shmcheck does not know); isolated, every
    segment left is a leak, its creator listed as untraced;
  - a static top spawning a static leaker, isolated: the same;
  - a vfork child that execs a dynamic program is traced (its journal);
    a traced image that execs a static program is warned about.

Each run compares the program's stdout, its own stderr lines and its exit
status with a bare run, and the JSON findings, processes and warnings
exactly. Runs that are not isolated leave their segment in the namespace
the test runs in: --cleanup or the test removes it.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_untraced.py
"""
import ctypes
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, STATIC, CliTest, Tmp, main,  # noqa: E402
                     process_events, quiet_gcov, sarif_log, segments)

UNKNOWN = ("no journal: a static or foreign binary, the preload removed, "
           "or a process that shares its parent's memory (CLONE_VM)")
ADVICE = ("processes of the tree that wrote no journal, that no journal "
          "names and that their own parent reaped cannot be known without "
          "the kernel's process events (they need root): the segments such "
          "processes left are not reported; run with --isolate to have "
          "every segment left in the tree's own IPC namespace reported")
HINT = ("==shmcheck== hint: %d process(es) ran untraced: of those only the "
        "segments left are judged, from the kernel's view (seen by the "
        "kernel, no stack); their attaches, detaches and failed calls are "
        "not checked\n")
LIBC = ctypes.CDLL(None, use_errno=True)


UNPROVEN = ("--cleanup removed 0 leaked segment(s); left 1 not proven to be "
            "this run's")


def remove(shmid):
    """IPC_RMID of shmid (what a non-isolated run left)."""
    LIBC.shmctl(ctypes.c_int(shmid), ctypes.c_int(0), None)


def leak(shmid, pid):
    """One segment only the kernel saw: no stack, no time."""
    return {"kind": "leaked_segment", "shmid": shmid, "key": "0x00000000",
            "size": 4096, "creator_pid": pid, "seen_by": "kernel",
            "count": 1, "first": {"pid": pid, "time_s": None},
            "last": {"pid": pid, "time_s": None}, "pids": [pid],
            "segments": [{"shmid": shmid, "key": "0x00000000", "size": 4096,
                          "creator_pid": pid}],
            "stack": []}


def untraced(pid, ppid, reason, comm=None, exit=None):
    p = {"pid": pid, "ppid": ppid, "argv": [],
         "exit": exit or {"status": None}, "traced": False,
         "reason": reason}
    if comm is not None:
        p["comm"] = comm
    return p


class Untraced(CliTest):
    """Without the kernel's process events (as a user who is not root)."""
    events = ["--no-process-events"]

    def run_both(self, opts, args):
        """ARGS bare, then under shmcheck --json --sarif OPTS; checks that
        the program's own output and status are the same. The shmcheck
        run's CompletedProcess, report, SARIF log."""
        ids = {s[1] for s in segments()}
        bare = subprocess.run(args, capture_output=True, text=True,
                              timeout=60)
        for s in segments():
            if s[1] not in ids:
                remove(int(s[1]))  # what the bare run leaked
        with Tmp() as tmp:
            out, sarif = (os.path.join(tmp, n) for n in ("r.json", "r.sarif"))
            p = quiet_gcov(subprocess.run(
                [SHMCHECK, "--json", out, "--sarif", sarif] + self.events +
                opts + ["--"] + args, capture_output=True, text=True,
                timeout=120))
            with open(out) as f:
                r = json.load(f)
            s = sarif_log(sarif)
        self.assertEqual(p.stdout, bare.stdout)
        own = [ln for ln in p.stderr.splitlines(True)
               if not ln.startswith(("==shmcheck== ", "shmcheck: "))]
        self.assertEqual("".join(own), bare.stderr)
        self.assertEqual(r["exit"], {"status": bare.returncode})
        notes = s["runs"][0]["invocations"][0].get(
            "toolExecutionNotifications", [])
        self.assertEqual([n["message"]["text"] for n in notes],
                         r["warnings"])
        for w in r["warnings"]:
            self.assertIn("==shmcheck== warning: %s\n" % w, p.stderr)
        return p, r

    def top(self, r):
        return r["processes"][0]

    def left_unproven(self, before, r):
        """--cleanup left the one leak, which only the kernel saw (its
        creator has no journal: nothing proves it is not a process that
        took a reaped pid of the tree); the test removes it."""
        shmid = r["findings"][0]["shmid"]
        self.assertEqual(r["findings"][0]["seen_by"], "kernel")
        self.assertEqual(sorted(segments()),
                         sorted(before + [s for s in segments()
                                          if int(s[1]) == shmid]))
        remove(shmid)
        self.assertEqual(segments(), before)

    def test_spawned_static_leaker(self):
        before = segments()
        p, r = self.run_both(["--cleanup"], [PROG, "spawn", STATIC, "leak"])
        self.expect(p, 23, contains=[UNPROVEN, HINT % 1])
        self.left_unproven(before, r)
        top = self.top(r)
        child = r["processes"][1]["pid"]
        self.assertEqual(r["processes"][1:], [
            untraced(child, top["pid"], UNKNOWN, STATIC)])
        self.assertTrue(top["traced"])
        self.assertEqual(r["findings"], [leak(r["findings"][0]["shmid"],
                                              child)])
        self.assertEqual(r["warnings"], [
            "pid %d (%s) was not traced: %s" % (child, STATIC, UNKNOWN),
            ADVICE])
        self.assertIn("created by pid %d (%s), seen by the kernel only"
                      % (child, STATIC), p.stderr)

    def test_clone_vm_child(self):
        before = segments()
        p, r = self.run_both(["--cleanup"], [PROG, "clone_vm"])
        self.expect(p, 23, contains=[UNPROVEN])
        self.left_unproven(before, r)
        top = self.top(r)
        child = r["findings"][0]["creator_pid"]
        why = ("no journal: the journal of pid %d has the creation of shmid "
               "%d, which the kernel says pid %d made: it shares the memory "
               "of pid %d (CLONE_VM), or the journal's pids are of another "
               "PID namespace" % (top["pid"], r["findings"][0]["shmid"],
                                  child, top["pid"]))
        self.assertEqual(r["processes"][1:], [untraced(child, -1, why)])
        self.assertEqual(r["findings"], [leak(r["findings"][0]["shmid"],
                                              child)])
        self.assertEqual(r["warnings"], [
            "pid %d was not traced: %s" % (child, why), ADVICE])

    def test_vfork_static_not_isolated(self):
        """Nothing names the vfork child: its segment is only a warning."""
        before = {s[1] for s in segments()}
        p, r = self.run_both([], [STATIC, "vfork", STATIC, "leak"])
        left = [s for s in segments() if s[1] not in before]
        for s in left:
            remove(int(s[1]))
        self.expect(p, 4)  # the program's own status: no finding
        self.assertEqual(len(left), 1, left)
        shmid, cpid = int(left[0][1]), int(left[0][4])
        self.assertEqual(r["findings"], [])
        top = self.top(r)
        self.assertEqual(r["processes"], [
            untraced(top["pid"], -1, UNKNOWN, exit={"status": 4})])
        self.assertEqual(r["warnings"], [
            "shmid %d (key 0x00000000, 4096 bytes) was created during the "
            "run by pid %d, which is not known to be of the tree: if it was "
            "(an untraced process its own parent reaped), it leaked this "
            "segment" % (shmid, cpid),
            "pid %d was not traced: %s" % (top["pid"], UNKNOWN), ADVICE])

    def isolated(self, how):
        before = segments()
        p, r = self.run_both(["--isolate"], [STATIC, how, STATIC, "leak"])
        self.expect(p, 23, contains=[HINT % 2])
        self.assertEqual(segments(), before)
        top = self.top(r)
        child = r["findings"][0]["creator_pid"]
        self.assertEqual(r["findings"], [leak(0, child)])  # a new namespace
        self.assertEqual(r["processes"], [
            untraced(top["pid"], -1, UNKNOWN, exit={"status": 4}),
            untraced(child, -1, UNKNOWN)])
        self.assertEqual(r["warnings"], [
            "pid %d was not traced: %s" % (top["pid"], UNKNOWN),
            "pid %d was not traced: %s" % (child, UNKNOWN)])

    def test_vfork_static_isolated(self):
        self.isolated("vfork")

    def test_spawn_static_isolated(self):
        self.isolated("spawn")

    def test_vfork_child_that_execs_is_traced(self):
        """A vfork child that execs a dynamic program has its journal."""
        p, r = self.run_both(["--isolate"], [PROG, "vfork", PROG, "leak"])
        self.expect(p, 23)
        top, child = r["processes"]
        self.assertEqual((top["traced"], child["traced"], child["ppid"]),
                         (True, True, top["pid"]))
        self.assertEqual([(f["creator_pid"], f["seen_by"])
                          for f in r["findings"]], [(child["pid"], "tracer")])
        self.assertEqual(r["warnings"], [])

    def test_exec_of_a_static_program(self):
        """A traced image that execs a static one: traced, and warned."""
        p, r = self.run_both(["--isolate"],
                             ["sh", "-c", "exec \"$0\" leak", STATIC])
        self.expect(p, 23, contains=[HINT % 1])
        (top,) = r["processes"]
        self.assertTrue(top["traced"])
        self.assertEqual(r["findings"], [leak(0, top["pid"])])
        self.assertEqual(r["warnings"], [
            "pid %d was not traced after its exec of %s: no journal: a "
            "static, setuid or foreign program, or the preload removed"
            % (top["pid"], STATIC)])

    def test_clean_run_has_no_warning(self):
        p, r = self.run_both(["--isolate"], [PROG, "spawn", PROG, "clean"])
        self.expect(p, 4)
        self.assertEqual(r["warnings"], [])
        self.assertEqual([x["traced"] for x in r["processes"]],
                         [True, True])
        self.assertNotIn("hint:", p.stderr)


class WithEvents(CliTest):
    """As root, with the kernel's process events: every process of the
    tree is known, untraced ones reaped by their own parents too, without
    --isolate; no advice to use it."""
    events = []
    run_both = Untraced.run_both
    left_unproven = Untraced.left_unproven

    def setUp(self):
        if not process_events():
            self.skipTest("no process events here (needs root and a "
                          "kernel that answers)")

    def test_vfork_static_known(self):
        before = segments()
        p, r = self.run_both(["--cleanup"], [STATIC, "vfork", STATIC, "leak"])
        self.expect(p, 23, contains=[UNPROVEN, HINT % 2])
        self.left_unproven(before, r)
        top, child = r["processes"]
        self.assertEqual(top, untraced(top["pid"], top["ppid"], UNKNOWN,
                                       "leaky_prog-stat", {"status": 4}))
        # The child's name after its exec is read from /proc when its
        # event is; a child that ended and was reaped first has none.
        name = "leaky_prog-stat" if "comm" in child else None
        self.assertEqual(child, untraced(child["pid"], top["pid"], UNKNOWN,
                                         name, {"status": 0}))
        self.assertEqual(r["findings"], [leak(r["findings"][0]["shmid"],
                                              child["pid"])])
        self.assertEqual(r["warnings"], [
            "pid %d%s was not traced: %s" % (
                q["pid"], " (%s)" % q["comm"] if "comm" in q else "", UNKNOWN)
            for q in (top, child)])

    def test_clone_vm_child_known(self):
        before = segments()
        p, r = self.run_both(["--cleanup"], [PROG, "clone_vm"])
        self.expect(p, 23, contains=[UNPROVEN])
        self.left_unproven(before, r)
        top, child = r["processes"]
        self.assertTrue(top["traced"])
        self.assertEqual(child, untraced(child["pid"], top["pid"], UNKNOWN,
                                         "leaky_prog", {"status": 0}))
        self.assertEqual(r["findings"], [leak(r["findings"][0]["shmid"],
                                              child["pid"])])
        self.assertEqual(r["warnings"], [
            "pid %d (leaky_prog) was not traced: %s" % (child["pid"],
                                                        UNKNOWN)])

    def test_killed_child_reaped_by_its_parent(self):
        """Its signal is known from the events, not only 'exit'."""
        p, r = self.run_both([], ["sh", "-c", "sh -c 'kill -9 $$'; exit 0"])
        self.expect(p, 0)
        ends = {q["pid"]: q["exit"] for q in r["processes"]}
        self.assertIn({"signal": 9}, ends.values(), r["processes"])


if __name__ == "__main__":
    main()
