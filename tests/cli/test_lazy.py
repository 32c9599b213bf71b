#!/usr/bin/env python3
"""test_lazy.py - issue 13: a process pays for a journal only once it
needs one (its first System V call, or a fork while it holds
attachments); until then its lineage goes to the image registry
(images.shmr, docs/journal-format.md). The helper is
tests/cli/helpers/lazy_prog.c.

  - processes that never make a System V call write no journal, and are
    still listed, traced, with their parent, command line and status;
  - a fork child that inherits attachments journals at once (its INHERIT
    records: an inherited unmatched attach), one that holds none does
    not, and one that attaches later journals from that call, with its
    parent right;
  - the program's errno survives the journal being made inside its first
    call; a journal that cannot be made then (a file size limit the
    program set) raises no SIGXFSZ;
  - a registry replaced by another file is not written: the processes
    after that journal from their start;
  - bytes in the registry that are no record are skipped, with a warning.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_lazy.py
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, SHMCHECK, TRACER, CliTest, Tmp,  # noqa: E402
                     main, need_root_tools)

LAZY = os.path.join(BUILD, "tests/cli/helpers/lazy_prog")
TRUE = "/bin/true"


def journals(logs):
    """The pids that have a journal in logs."""
    return sorted({int(n.split(".")[0]) for n in os.listdir(logs)
                   if n.endswith(".shmj")})


def shmcheck(tmp, args, opts=()):
    """shmcheck --json --log-dir OPTS -- ARGS: (process, report, logs)."""
    out, logs = os.path.join(tmp, "r.json"), os.path.join(tmp, "logs")
    p = subprocess.run([SHMCHECK, "--json", out, "--log-dir", logs] +
                       list(opts) + ["--"] + args, capture_output=True,
                       text=True, timeout=120)
    with open(out) as f:
        return p, json.load(f), logs


class Lazy(CliTest):
    def test_no_system_v_call_no_journal(self):
        with Tmp() as tmp:
            p, r, logs = shmcheck(tmp, ["sh", "-c", TRUE + "; exit 3"])
            self.assertEqual(journals(logs), [])
            self.assertIn("images.shmr", os.listdir(logs))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(r["warnings"], [])
        sh, true = r["processes"]
        self.assertEqual((sh["traced"], sh["exit"], sh["argv"][:2]),
                         (True, {"status": 3}, ["sh", "-c"]))
        self.assertEqual((true["traced"], true["ppid"], true["argv"],
                          true["exit"]),
                         (True, sh["pid"], [TRUE], {"status": 0}))

    def test_fork_lineage_and_inherited_attachments(self):
        with Tmp() as tmp:
            p, r, logs = shmcheck(tmp, [LAZY, "forks"], ["--isolate"])
            have = journals(logs)
        pids = dict(ln.split() for ln in p.stdout.splitlines())
        inherit, plain, late = (int(pids[k]) for k in
                                ("inherit", "plain", "late"))
        top = r["processes"][0]["pid"]
        self.assertEqual(have, sorted([top, inherit, late]))
        self.assertEqual({x["pid"]: (x["ppid"], x["traced"])
                          for x in r["processes"]},
                         {top: (r["processes"][0]["ppid"], True),
                          inherit: (top, True), plain: (top, True),
                          late: (top, True)})
        self.assertEqual(sorted((f["kind"], f["pid"], f.get("inherited"))
                                for f in r["findings"]),
                         sorted([("unmatched_attach", inherit, True),
                                 ("unmatched_attach", late, False)]))
        self.assertEqual(r["warnings"], [])

    def test_errno_survives_the_first_call(self):
        with Tmp() as tmp:
            p, r, logs = shmcheck(tmp, [LAZY, "errno"], ["--isolate"])
            have = journals(logs)
        self.assertEqual(p.stdout, "errno 77\n")
        self.assertEqual(have, [r["processes"][0]["pid"]])

    def test_no_room_for_the_journal(self):
        """The program lowers its file size limit to one byte before its
        first call: the journal cannot be made then, and nothing the
        tracer writes may raise SIGXFSZ in it; it says so on stderr (the
        log directory cannot take the message)."""
        with open(TRACER, "rb") as f:
            if b".gcda" in f.read():
                self.skipTest("a coverage build's tracer writes its counts "
                              "at exit: past a one-byte file size limit, "
                              "that alone raises SIGXFSZ")
        with Tmp() as tmp:
            p, r, logs = shmcheck(tmp, [LAZY, "nofile"], ["--isolate"])
            have = journals(logs)
        self.assertEqual((p.returncode, p.stdout), (0, "errno 77\n"))
        self.assertIn("cannot create a journal in SHMCHECK_LOG_DIR: errno 27 "
                      "(EFBIG); tracing without one", p.stderr)
        self.assertEqual(have, [])
        self.assertEqual(r["processes"][0]["exit"], {"status": 0})

    def test_no_space_at_the_first_call(self):
        """The log directory's file system fills after the program
        started (its registry record written): its journal cannot be made
        at its first System V call, and the registry says so; the process
        is reported untraced, with why, not as a clean traced one."""
        need_root_tools("unshare", "mount")
        with Tmp() as tmp:
            log, out = os.path.join(tmp, "l"), os.path.join(tmp, "r.json")
            os.mkdir(log)
            p = subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount -t tmpfs -o size=64k,mode=0700 tmpfs "$0" || exit 99;'
                 ' exec "$@"', log, SHMCHECK, "--json", out, "--log-dir",
                 log, "--isolate", "--", LAZY, "fill", log],
                capture_output=True, text=True, timeout=60)
            with open(out) as f:
                r = json.load(f)
        self.assertEqual((p.returncode, p.stdout), (0, "errno 77\n"),
                         p.stderr)
        (proc,) = r["processes"]
        why = ("its journal could not be created in the log directory at "
               "its first System V call: ENOSPC (No space left on device)")
        self.assertEqual((proc["traced"], proc["reason"]), (False, why))
        name = " (%s)" % proc["comm"] if "comm" in proc else ""  # events
        self.assertIn("pid %d%s was not traced: %s" % (proc["pid"], name, why),
                      r["warnings"])

    def test_replaced_registry_is_not_written(self):
        """The tree replaces the registry: the processes find another file
        there, leave it alone and journal instead."""
        script = ('rm "$0/images.shmr"; : > "$0/images.shmr"; ' + TRUE)
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            out = os.path.join(tmp, "r.json")
            p = subprocess.run([SHMCHECK, "--json", out, "--log-dir", logs,
                                "--", "sh", "-c", script, logs],
                               capture_output=True, text=True, timeout=60)
            with open(out) as f:
                r = json.load(f)
            have = journals(logs)
            size = os.path.getsize(os.path.join(logs, "images.shmr"))
        true = [x for x in r["processes"] if x.get("argv") == [TRUE]]
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(size, 0)  # nobody wrote into the impostor
        self.assertEqual(len(true), 1, r["processes"])
        # Every event after the replacement went to a journal: /bin/true
        # journaled from its start, and the others once they could not
        # write their next record (rm its exit, sh its fork and exit).
        self.assertIn(true[0]["pid"], have)
        self.assertEqual([x["traced"] for x in r["processes"]],
                         [True] * len(r["processes"]))

    def test_damaged_registry(self):
        with Tmp() as tmp:
            p, r, logs = shmcheck(tmp, ["sh", "-c", TRUE])
            reg = os.path.join(logs, "images.shmr")
            with open(reg, "rb") as f:
                data = f.read()
            with open(reg, "wb") as f:  # garbage before and inside
                f.write(b"garbage" + data[:40] + b"#" * 5 + data)
            out = os.path.join(tmp, "again.json")
            q = subprocess.run([SHMCHECK, "--replay", logs, "--json", out],
                               capture_output=True, text=True, timeout=60)
            with open(out) as f:
                again = json.load(f)
        self.assertEqual(q.returncode, 0, q.stderr)
        self.assertEqual(again["warnings"], [
            "%s: 52 byte(s) that are no record skipped (a write cut short, "
            "or damage)" % os.path.realpath(reg)])
        self.assertEqual([(x["pid"], x["traced"]) for x in again["processes"]],
                         [(x["pid"], x["traced"]) for x in r["processes"]])


if __name__ == "__main__":
    main()
