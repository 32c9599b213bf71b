#!/usr/bin/env python3
"""test_lost_records.py - a journal that cannot hold every record (issue
11): the journal's size cap (the SHMC_TEST_JOURNAL_CAP hook), the file
size limit, a full tmpfs log directory (while growing, and with no byte
left) and a read-only one. The program's stdout and exit status are the
same as without shmcheck; shmcheck ends normally; the report's findings
are exact (no unmatched attach or never_removed lint that the lost
records could have answered, a real leak still reported) and a warning
says which process lost how many records and why, in JSON, SARIF and the
text report. The tmpfs cases mount in a private mount namespace
(unshare --mount), so no mount outlives them.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_lost_records.py
"""
import json
import os
import resource
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (HELPERS, SHMCHECK, CliTest, Tmp, main,  # noqa: E402
                     need_root_tools, process_events, quiet_gcov,
                     sarif_log)

LOSSY = os.path.join(HELPERS, "lossy.py")
CALLS = "20000"  # about 1.7 MiB of records: past a 1 MiB journal
NOTHING = {"leaked_segments": 0, "leaked_bytes": 0, "unmatched_attaches": 0,
           "inherited_unmatched": 0, "invalid_detaches": 0, "suppressed": 0,
           "failed_calls": 0, "lints": 0}
UNCHECKED = (": its attachments could not be checked (no unmatched_attach "
             "for it) nor the segments it may have removed (no "
             "never_removed lint in this run)")


def prog(*args):
    return [sys.executable, LOSSY] + list(args)


def limit_fsize():
    """preexec_fn: RLIMIT_FSIZE of 512 KiB for shmcheck and its tree."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (512 << 10, 512 << 10))


class LostRecords(CliTest):
    """Records the journal could not hold."""

    def bare(self, args, **kw):
        """The program without shmcheck: its CompletedProcess."""
        return subprocess.run(prog(*args), capture_output=True, text=True,
                              timeout=120, **kw)

    def traced(self, tmp, args, opts=(), wrap=(), **kw):
        """shmcheck --log-dir TMP/l --json --sarif [opts] -- lossy ARGS,
        run under wrap (a command prefix); its CompletedProcess, JSON
        report and SARIF log."""
        out = os.path.join(tmp, "r.json")
        sarif = os.path.join(tmp, "r.sarif")
        cmd = [SHMCHECK, "--log-dir", os.path.join(tmp, "l"), "--json", out,
               "--sarif", sarif] + list(opts) + ["--"] + prog(*args)
        p = quiet_gcov(subprocess.run(list(wrap) + cmd, capture_output=True,
                                      text=True, timeout=300, **kw))
        with open(out) as f:
            r = json.load(f)
        s = sarif_log(sarif)
        return p, r, s

    def same_as_bare(self, p, bare, status):
        self.assertEqual(p.stdout, bare.stdout)
        self.assertEqual(bare.stdout, "hi\n")
        self.assertEqual(bare.returncode, 3)
        self.assertEqual(p.returncode, status, p.stderr)

    def lost_warning(self, tmp, r, s, p, why):
        """The one warning: the process lost records for why."""
        pid = r["processes"][0]["pid"]
        path = os.path.join(tmp, "l", "%d.0.shmj" % pid)
        self.assertEqual(len(r["warnings"]), 1, r["warnings"])
        w = r["warnings"][0]
        head = "%s: pid %d lost " % (path, pid)
        self.assertTrue(w.startswith(head), w)
        count, rest = w[len(head):].split(" ", 1)
        self.assertGreater(int(count), 0)
        self.assertEqual(rest, "record(s) (%s)%s" % (why, UNCHECKED))
        notes = s["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        self.assertEqual(notes, [{"level": "warning",
                                  "message": {"text": w}}])
        self.assertIn("==shmcheck== warning: %s\n" % w, p.stderr)

    def test_cap_reached(self):
        env = dict(os.environ, SHMC_TEST_JOURNAL_CAP=str(1 << 20))
        with Tmp() as tmp:
            p, r, s = self.traced(tmp, [CALLS], env=env)
            self.same_as_bare(p, self.bare([CALLS]), 3)
            self.assertEqual(r["findings"], [])
            self.assertEqual(r["summary"], NOTHING)
            self.assertEqual(os.path.getsize(os.path.join(
                tmp, "l", "%d.0.shmj" % r["processes"][0]["pid"])), 1 << 20)
            self.lost_warning(tmp, r, s, p, "the journal's size cap")

    def test_cap_not_reached(self):
        env = dict(os.environ, SHMC_TEST_JOURNAL_CAP=str(1 << 20))
        with Tmp() as tmp:
            p, r, _ = self.traced(tmp, ["10"], env=env)
            self.same_as_bare(p, self.bare(["10"]), 3)
            self.assertEqual((r["findings"], r["warnings"]), ([], []))

    def test_cap_reached_real_leak_still_reported(self):
        """Without its detach and IPC_RMID the segment leaks: the kernel
        still has it, so it is reported; the attachment is not."""
        env = dict(os.environ, SHMC_TEST_JOURNAL_CAP=str(1 << 20))
        with Tmp() as tmp:
            p, r, s = self.traced(tmp, [CALLS, "keep"], ["--cleanup"],
                                  env=env)
            self.same_as_bare(p, self.bare(["0"]), 23)
            pid = r["processes"][0]["pid"]
            self.assertEqual([(f["kind"], f["creator_pid"], f["size"],
                               f["seen_by"]) for f in r["findings"]],
                             [("leaked_segment", pid, 4096, "tracer")])
            self.assertEqual(r["summary"], dict(NOTHING, leaked_segments=1,
                                                leaked_bytes=4096))
            self.lost_warning(tmp, r, s, p, "the journal's size cap")

    def test_file_size_limit(self):
        with Tmp() as tmp:
            p, r, s = self.traced(tmp, [CALLS], preexec_fn=limit_fsize)
            bare = self.bare([CALLS], preexec_fn=limit_fsize)
            self.same_as_bare(p, bare, 3)
            self.assertEqual(r["findings"], [])
            self.lost_warning(tmp, r, s, p, "the file size limit "
                              "(RLIMIT_FSIZE): File too large")

    def mounted(self, tmp, opts, setup=""):
        """A command prefix: shmcheck runs with a tmpfs (-o opts) mounted
        on TMP/l in a private mount namespace, after the shell's setup."""
        need_root_tools("unshare", "mount")
        log = os.path.join(tmp, "l")
        os.mkdir(log)
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                'mount -t tmpfs -o %s,mode=0700 tmpfs "%s" || exit 99; %s exec "$@"'
                % (opts, log, setup), "mounted"]

    def test_tmpfs_full_while_growing(self):
        with Tmp() as tmp:
            wrap = self.mounted(tmp, "size=1536k")
            p, r, s = self.traced(tmp, [CALLS], wrap=wrap)
            self.same_as_bare(p, self.bare([CALLS]), 3)
            self.assertEqual(r["findings"], [])
            self.lost_warning(tmp, r, s, p, "no space for the journal: "
                              "No space left on device")

    def no_journal(self, wrap, tmp, why):
        p, r, s = self.traced(tmp, [CALLS], wrap=wrap)
        self.same_as_bare(p, self.bare([CALLS]), 3)
        # The log directory cannot take the tracer's message file either:
        # stderr is the only way left (naming the pid and the errno).
        self.assertRegex(p.stderr, r"shmcheck: pid \d+: cannot create a "
                         r"journal in SHMCHECK_LOG_DIR: errno \d+ \(E[A-Z]+\); "
                         r"tracing without one\n")
        # No journal, so nothing was lost from one: the process is
        # untraced, and the report says so (issue 11), with the log
        # directory's state as the likely reason; the tracer's own
        # messages ("tracer: ...") may be there too.
        self.assertEqual(r["findings"], [])
        proc = r["processes"][0]
        self.assertEqual(proc["exit"], {"status": 3})
        self.assertEqual((proc["traced"], proc["reason"]), (False, why))
        name = " (%s)" % proc["comm"] if "comm" in proc else ""  # events
        untraced = "pid %d%s was not traced: %s" % (proc["pid"], name, why)
        warned = [w for w in r["warnings"] if not w.startswith("tracer: ")]
        # With the kernel's process events the tree is known: no advice.
        self.assertEqual(len(warned), 1 if process_events() else 2, warned)
        self.assertEqual(warned[0], untraced)
        if not process_events():
            self.assertIn("run with --isolate", warned[1])
        notes = s["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        self.assertIn({"level": "warning", "message": {"text": untraced}},
                      notes)
        self.assertIn("==shmcheck== warning: %s\n" % untraced, p.stderr)

    def test_tmpfs_without_a_byte(self):
        with Tmp() as tmp:
            fill = os.path.join(tmp, "l", "fill")
            wrap = self.mounted(tmp, "size=64k", "dd if=/dev/zero of=%s "
                                "bs=4k count=64 2>/dev/null;" % fill)
            self.no_journal(wrap, tmp, "no journal: the log directory is "
                            "full, the tracer most likely could not create "
                            "one")

    def test_read_only_log_dir(self):
        with Tmp() as tmp:
            self.no_journal(self.mounted(tmp, "ro,size=64k"), tmp,
                            "no journal: the log directory is read-only, "
                            "the tracer could not create one")


if __name__ == "__main__":
    main()
