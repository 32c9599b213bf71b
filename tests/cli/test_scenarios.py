#!/usr/bin/env python3
"""test_scenarios.py - the shmcheck CLI end to end on programs with known
findings (tests/cli/helpers/leaky_prog.c), one subcommand each, and on
real programs (a static leaker, util-linux ipcmk, AFL++'s afl-showmap).

Each scenario runs `shmcheck --json` and compares the report, normalized
(pids, shmids and addresses replaced by placeholders in order of
appearance, a group's times by TIME, stacks cut to the frames in
leaky_prog.c), with
tests/cli/expected/<name>.json exactly. SHMC_UPDATE_EXPECTED=1 rewrites
the expected files (review the diff before committing).
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_scenarios.py
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (EXPECTED, PROG, SHMCHECK, STATIC,  # noqa: E402
                     CliTest, main, segments, shmcheck_json)

UPDATE = os.environ.get("SHMC_UPDATE_EXPECTED") == "1"


class Normalizer:
    """Placeholders for what changes from run to run."""

    def __init__(self):
        self.maps = {}

    def token(self, kind, value):
        m = self.maps.setdefault(kind, {})
        if value not in m:
            m[value] = "%s%d" % (kind, len(m) + 1)
        return m[value]

    def argv(self, argv):
        return [os.path.basename(a) if a.startswith("/") else a for a in argv]

    def stack(self, frames):
        return [{"function": f["function"], "file": os.path.basename(f["file"]),
                 "line": f["line"]}
                for f in frames
                if f.get("file") and f["file"].endswith("leaky_prog.c")]

    def report(self, r):
        r = json.loads(json.dumps(r))
        r["command"] = self.argv(r["command"])
        for p in r["processes"]:
            p["pid"] = self.token("PID", p["pid"])
            p["ppid"] = self.token("PID", p["ppid"])
            p["argv"] = self.argv(p["argv"])
        for f in r["findings"]:
            for k in ("pid", "creator_pid"):
                if k in f:
                    f[k] = self.token("PID", f[k])
            if "shmid" in f:
                f["shmid"] = self.token("SHMID", f["shmid"])
            if "addr" in f:
                f["addr"] = self.token("ADDR", f["addr"])
            self.group(f)
            f["stack"] = self.stack(f["stack"])
        return r

    def group(self, f):
        """A group's pids and segments as tokens, its times checked and
        replaced (they change from run to run)."""
        for k in ("first", "last"):
            o = f[k]
            o["pid"] = self.token("PID", o["pid"])
            t = o["time_s"]
            assert t is None or (isinstance(t, float) and 0 <= t < 60), t
            o["time_s"] = "TIME" if t is not None else None
        f["pids"] = [self.token("PID", p) for p in f["pids"]]
        for s in f.get("segments", []):
            s["shmid"] = self.token("SHMID", s["shmid"])
            s["creator_pid"] = self.token("PID", s["creator_pid"])


class Scenarios(CliTest):
    """leaky_prog's subcommands: the whole report, normalized."""

    def expect_report(self, name, report):
        got = Normalizer().report(report)
        path = os.path.join(EXPECTED, name + ".json")
        if UPDATE:
            with open(path, "w") as f:
                json.dump(got, f, indent=2)
                f.write("\n")
        with open(path) as f:
            want = json.load(f)
        self.assertTrue(got == want, "report differs from %s:\n%s" %
                        (path, json.dumps(got, indent=2)))

    def scenario(self, sub, status, args=("--isolate",)):
        before = segments()
        proc, report = shmcheck_json(list(args), [PROG, sub])
        self.assertTrue(proc.returncode == status,
                        "exit %d, want %d; stderr:\n%s" %
                        (proc.returncode, status, proc.stderr))
        self.assertTrue(report is not None, "no JSON report")
        if "--isolate" in args:
            self.assertTrue(segments() == before, "the host namespace changed")
        self.expect_report(sub, report)
        return proc, report

    def test_clean(self):
        self.scenario("clean", 0)

    def test_leak(self):
        proc, _ = self.scenario("leak", 23)
        self.assertTrue("leaky_prog.c:43" in proc.stderr,
                        "no source line in the text report")

    def test_grandchild(self):
        self.scenario("grandchild", 23)

    def test_daemon(self):
        self.scenario("daemon", 23)

    def test_attach_twice(self):
        self.scenario("attach_twice", 0)

    def test_double_detach(self):
        self.scenario("double_detach", 23)

    def test_inherit(self):
        self.scenario("inherit", 0)

    def test_exec_after_attach(self):
        self.scenario("exec", 0)

    def test_quick_exit(self):
        self.scenario("_exit", 23)

    def test_killed(self):
        self.scenario("killed", 23)


def afl_target(tmp):
    """A target built with afl-cc that marks $MARK and reads one byte."""
    src = os.path.join(tmp, "t.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <unistd.h>\n"
                "int main(void) { char c; FILE *m = fopen(getenv(\"MARK\"), \"w\");"
                " if (m) fclose(m); return read(0, &c, 1) > 0 && c == 'a'; }\n")
    subprocess.run(["afl-cc", "-include", "stdlib.h", "-o",
                    os.path.join(tmp, "t"), src], check=True,
                   env=dict(os.environ, AFL_QUIET="1"), capture_output=True)
    return os.path.join(tmp, "t")


class RealPrograms(CliTest):
    """Programs nobody here wrote; each skips when it is not installed."""

    def test_static_leaker(self):
        before = segments()
        proc, r = shmcheck_json(["--isolate"], [STATIC, "leak"])
        self.assertTrue(proc.returncode == 23, proc.stderr)
        self.assertTrue(segments() == before, "the host namespace changed")
        leaks = [f for f in r["findings"] if f["kind"] == "leaked_segment"]
        self.assertTrue(len(leaks) == 1 and leaks[0]["seen_by"] == "kernel",
                        json.dumps(r["findings"]))

    def test_ipcmk_one_leak(self):
        if not shutil.which("ipcmk"):
            self.skipTest("ipcmk (util-linux) is not installed")
        p, r = shmcheck_json(["--isolate"], ["ipcmk", "-M", "4096"])
        self.assertTrue(p.returncode == 23, p.stderr)
        self.assertTrue(r["summary"]["leaked_segments"] == 1,
                        json.dumps(r["summary"]))

    def need_afl(self):
        if not shutil.which("afl-showmap") or not shutil.which("afl-cc"):
            self.skipTest("afl++ is not installed")

    def test_afl_showmap_no_leak(self):
        self.need_afl()
        tmp = tempfile.mkdtemp(prefix="shmc-afl-")
        target = afl_target(tmp)
        p, r = shmcheck_json(
            ["--isolate"],
            ["afl-showmap", "-q", "-o", os.path.join(tmp, "map"), "--",
             target], input="a",
            env=dict(os.environ, MARK=os.path.join(tmp, "m")))
        shutil.rmtree(tmp)
        self.assertTrue(r["summary"]["leaked_segments"] == 0,
                        json.dumps(r["findings"]))
        self.assertTrue(r["summary"]["unmatched_attaches"] >= 1,
                        json.dumps(r["summary"]))

    def test_afl_showmap_killed_leaks(self):
        self.need_afl()
        tmp = tempfile.mkdtemp(prefix="shmc-afl-")
        target = afl_target(tmp)
        mark = os.path.join(tmp, "m")
        out = os.path.join(tmp, "r.json")
        logs = os.path.join(tmp, "logs")
        proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out,
                                 "--log-dir", logs, "--", "afl-showmap", "-q",
                                 "-o", os.path.join(tmp, "map"), "--",
                                 target],
                                stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict(os.environ, MARK=mark))
        deadline = time.time() + 30
        while not os.path.exists(mark) and time.time() < deadline:
            time.sleep(0.02)  # the target is running once it has made the mark
        showmap = [int(n.split(".")[0]) for n in os.listdir(logs)
                   if n.endswith(".shmj")]
        victim = min(showmap)  # afl-showmap itself: the first traced process
        os.kill(victim, signal.SIGKILL)
        proc.stdin.close()  # the target reads EOF and ends; so does its server
        proc.wait(timeout=60)
        proc.stderr.close()
        with open(out) as f:
            r = json.load(f)
        shutil.rmtree(tmp)
        self.assertTrue(r["summary"]["leaked_segments"] >= 1,
                        json.dumps(r["summary"]))


if __name__ == "__main__":
    main()
