#!/usr/bin/env python3
"""test_unmap.py - the shmcheck CLI on attachments whose pages munmap,
mmap(MAP_FIXED) or mremap take away without shmdt (leaky_prog's unmap
modes): the kernel detached them, so there is no unmatched attach but a
detach_without_shmdt lint at the call; a later shmdt of the address is
the invalid detach the kernel made it; an attachment mremap moved is
detached at its new address. The program's output and exit status are
the same as bare (but for the invalid detach, an error: 23).

The findings are compared exactly, with pids, shmids and addresses
replaced by placeholders and stacks cut to leaky_prog.c's frames; their
lines are looked up in leaky_prog.c.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_unmap.py
"""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (HELPERS, PROG, CliTest, main, segments,  # noqa: E402
                     shmcheck_json)

SOURCE = os.path.join(HELPERS, "leaky_prog.c")


def line_of(text):
    """The number of the one line of leaky_prog.c that holds text."""
    with open(SOURCE) as f:
        found = [i + 1 for i, line in enumerate(f) if text in line]
    assert len(found) == 1, "%r is on lines %s" % (text, found)
    return found[0]


def frame(function, text):
    return {"function": function, "file": "leaky_prog.c",
            "line": line_of(text)}


class Placeholders:
    """PID1, SHMID1, ADDR1... in order of appearance."""

    def __init__(self):
        self.maps = {}

    def token(self, kind, value):
        m = self.maps.setdefault(kind, {})
        return m.setdefault(value, "%s%d" % (kind, len(m) + 1))

    def finding(self, f):
        f = dict(f)
        # each is one occurrence, at a known time: checked, then left out
        assert f.pop("count") == 1, f
        first, last = f.pop("first"), f.pop("last")
        assert first == last and first["pid"] == f["pid"], f
        assert isinstance(first["time_s"], float), f
        assert f.pop("pids") == [f["pid"]], f
        for k, kind in (("pid", "PID"), ("shmid", "SHMID"), ("addr", "ADDR")):
            if k in f:
                f[k] = self.token(kind, f[k])
        if f.get("message"):
            f["message"] = re.sub(r"0x[0-9a-f]+",
                                  lambda m: self.token("ADDR", m.group(0)),
                                  f["message"])
        f["stack"] = [{"function": s["function"],
                       "file": os.path.basename(s["file"]),
                       "line": s["line"]} for s in f["stack"]
                      if (s.get("file") or "").endswith("leaky_prog.c")]
        return f


MAIN = ("main", "int r = unmapped(c);")


def lint(how, call):
    return {"kind": "lint", "rule": "detach_without_shmdt", "pid": "PID1",
            "shmid": "SHMID1",
            "message": "%s took away the attachment at ADDR1 without shmdt: "
                       "the kernel detached it" % how,
            "stack": [frame("unmapped", call), frame(*MAIN)]}


class Unmap(CliTest):

    def run_mode(self, mode, status):
        """shmcheck --isolate on leaky_prog MODE: its normalized findings,
        after checking its output and status against the bare run."""
        bare = subprocess.run([PROG, mode], capture_output=True, text=True,
                              timeout=60)
        self.assertEqual(bare.returncode, 0, bare.stderr)
        before = segments()
        proc, report = shmcheck_json(["--isolate"], [PROG, mode])
        self.assertEqual(segments(), before, "the host namespace changed")
        self.assertEqual(proc.stdout, bare.stdout)
        self.assertEqual(proc.returncode, status if status else
                         bare.returncode, proc.stderr)
        self.assertIsNotNone(report, "no JSON report")
        p = Placeholders()
        findings = [p.finding(f) for f in report["findings"]]
        return findings, report["summary"]

    def test_munmap_is_a_detach(self):
        findings, summary = self.run_mode("unmap", 0)
        self.assertEqual(findings, [lint("munmap", "munmap(p, 4096)")])
        self.assertEqual(summary["unmatched_attaches"], 0)
        self.assertEqual(summary["lints"], 1)

    def test_mmap_fixed_is_a_detach(self):
        findings, _ = self.run_mode("map_fixed", 0)
        self.assertEqual(findings, [lint("mmap(MAP_FIXED)", "mmap(p, 4096, PROT_READ, flags")])

    def test_shmdt_after_munmap_is_invalid(self):
        findings, summary = self.run_mode("unmap_shmdt", 23)
        detach = {"kind": "invalid_detach", "pid": "PID1", "addr": "ADDR1",
                  "errno": "EINVAL",
                  "message": "double detach: the address was attached and "
                             "already detached",
                  "stack": [frame("unmapped", "int r = shmdt(p);"),
                            frame(*MAIN)]}
        want = [lint("munmap", "munmap(p, 4096)"), detach]
        key = lambda f: f["kind"]  # noqa: E731
        self.assertEqual(sorted(findings, key=key), sorted(want, key=key))
        self.assertEqual(summary["invalid_detaches"], 1)
        self.assertEqual(summary["unmatched_attaches"], 0)

    def test_mremap_moves_the_attachment(self):
        findings, _ = self.run_mode("mremap", 0)
        self.assertEqual(findings, [])

    def test_moved_attachment_left_is_unmatched_at_new_address(self):
        findings, _ = self.run_mode("mremap_kept", 0)
        self.assertEqual(findings, [{
            "kind": "unmatched_attach", "pid": "PID1", "shmid": "SHMID1",
            "addr": "ADDR1", "inherited": False, "ended_by": "exit",
            "stack": [frame("attach", "void *p = shmat(id, NULL, 0);"),
                      frame("unmapped", "p = attach(id);"), frame(*MAIN)]}])


if __name__ == "__main__":
    main()
