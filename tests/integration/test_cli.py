#!/usr/bin/env python3
"""test_cli.py BUILD_DIR [--update] - the shmcheck CLI on programs with
known findings (tests/cli/cliprog.c) and on real programs.

Each scenario runs `shmcheck --json` and compares the report, normalized
(pids, shmids and addresses replaced by placeholders in order of
appearance, stacks cut to the frames in cliprog.c), with
tests/cli/expected/<name>.json exactly. --update rewrites the expected
files (review the diff before committing). Prints cmocka-style result
lines, which tests/run.sh counts.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
UPDATE = "--update" in sys.argv
SHMCHECK = os.path.join(BUILD, "shmcheck")
PROG = os.path.join(BUILD, "tests/cli/cliprog")
STATIC = os.path.join(BUILD, "tests/cli/cliprog-static")
EXPECTED = os.path.join(ROOT, "tests/cli/expected")

sys.path.insert(0, os.path.join(ROOT, "tests/cli"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from clitest import Skip, check, finish, test  # noqa: E402


def segments():
    with open("/proc/sysvipc/shm") as f:
        return [line.split() for line in f.readlines()[1:]]


def shmcheck(args, prog_args, **kw):
    tmp = tempfile.mkdtemp(prefix="shmc-cli-")
    out = os.path.join(tmp, "report.json")
    proc = subprocess.run([SHMCHECK, "--json", out] + args + ["--"] + prog_args,
                          capture_output=True, text=True, timeout=120, **kw)
    report = None
    if os.path.exists(out):
        with open(out) as f:
            report = json.load(f)
    shutil.rmtree(tmp)
    return proc, report


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
                for f in frames if f.get("file") and f["file"].endswith("cliprog.c")]

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
            f["stack"] = self.stack(f["stack"])
        return r


def expect_report(name, report):
    got = Normalizer().report(report)
    path = os.path.join(EXPECTED, name + ".json")
    if UPDATE:
        with open(path, "w") as f:
            json.dump(got, f, indent=2)
            f.write("\n")
    with open(path) as f:
        want = json.load(f)
    check(got == want, "report differs from %s:\n%s" %
          (path, json.dumps(got, indent=2)))


def scenario(sub, status, args=("--isolate",), prog=None):
    before = segments()
    proc, report = shmcheck(list(args), [prog or PROG, sub])
    check(proc.returncode == status, "exit %d, want %d; stderr:\n%s" %
          (proc.returncode, status, proc.stderr))
    check(report is not None, "no JSON report")
    if "--isolate" in args:
        check(segments() == before, "the host namespace changed")
    expect_report(sub, report)
    return proc, report


@test
def clean():
    scenario("clean", 0)


@test
def leak():
    proc, _ = scenario("leak", 23)
    check("cliprog.c:43" in proc.stderr, "no source line in the text report")


@test
def grandchild():
    scenario("grandchild", 23)


@test
def daemon():
    scenario("daemon", 23)


@test
def attach_twice():
    scenario("attach_twice", 0)


@test
def double_detach():
    scenario("double_detach", 23)


@test
def inherit():
    scenario("inherit", 0)


@test
def exec_after_attach():
    scenario("exec", 0)


@test
def quick_exit():
    scenario("_exit", 23)


@test
def killed():
    scenario("killed", 23)


@test
def static_leaker():
    before = segments()
    proc, r = shmcheck(["--isolate"], [STATIC, "leak"])
    check(proc.returncode == 23, proc.stderr)
    check(segments() == before, "the host namespace changed")
    leaks = [f for f in r["findings"] if f["kind"] == "leaked_segment"]
    check(len(leaks) == 1 and leaks[0]["seen_by"] == "kernel",
          json.dumps(r["findings"]))


@test
def suppressed_leak():
    tmp = tempfile.mkdtemp(prefix="shmc-supp-")
    supp = os.path.join(tmp, "supp")
    with open(supp, "w") as f:
        f.write("# the leak is on purpose\nleaked_segment:leak\n")
    proc, r = shmcheck(["--isolate", "--suppressions", supp], [PROG, "leak"])
    shutil.rmtree(tmp)
    check(proc.returncode == 0, proc.stderr)
    check(r["summary"]["suppressed"] == 1 and
          r["summary"]["leaked_segments"] == 0, json.dumps(r["summary"]))


@test
def bad_suppressions_file():
    tmp = tempfile.mkdtemp(prefix="shmc-supp-")
    supp = os.path.join(tmp, "supp")
    with open(supp, "w") as f:
        f.write("leaked_segment:ok\nnot a rule\n")
    proc, _ = shmcheck(["--suppressions", supp], [PROG, "clean"])
    shutil.rmtree(tmp)
    check(proc.returncode == 2 and supp + ":2:" in proc.stderr, proc.stderr)


@test
def cleanup_removes_exactly_the_leaks():
    bystander = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True,
                               text=True).stdout.split()[-1]
    try:
        proc, r = shmcheck(["--cleanup"], [PROG, "leak"])
        left = [s[1] for s in segments()]
        check(proc.returncode == 23, proc.stderr)
        check("removed 1 leaked segment" in proc.stderr, proc.stderr)
        check(left == [bystander], "left: %s" % left)
    finally:
        subprocess.run(["ipcrm", "-m", bystander])


@test
def usage_errors():
    p = subprocess.run([SHMCHECK, "--bogus"], capture_output=True, text=True)
    check(p.returncode == 2 and "Try 'shmcheck --help'" in p.stderr, p.stderr)
    p = subprocess.run([SHMCHECK, "--", "/nonexistent/prog"],
                       capture_output=True, text=True)
    check(p.returncode == 127, p.stderr)
    tmp = tempfile.mkdtemp(prefix="shmc-noexec-")
    plain = os.path.join(tmp, "plain")
    with open(plain, "w") as f:
        f.write("not a program\n")
    os.chmod(plain, 0o644)
    p = subprocess.run([SHMCHECK, "--", plain], capture_output=True, text=True)
    shutil.rmtree(tmp)
    check(p.returncode == 126, p.stderr)
    p = subprocess.run([SHMCHECK, "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and "--isolate" in p.stdout, p.stdout)


@test
def sarif_report():
    tmp = tempfile.mkdtemp(prefix="shmc-sarif-")
    out = os.path.join(tmp, "r.sarif")
    p = subprocess.run([SHMCHECK, "--isolate", "--sarif", out, "--", PROG,
                        "leak"], capture_output=True, text=True)
    with open(out) as f:
        s = json.load(f)
    shutil.rmtree(tmp)
    res = s["runs"][0]["results"]
    check(p.returncode == 23 and s["version"] == "2.1.0",
          "exit %d, version %r" % (p.returncode, s["version"]))
    check(res[0]["ruleId"] == "leaked_segment" and
          res[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 19,
          json.dumps(res))


@test
def ipcmk_one_leak():
    if not shutil.which("ipcmk"):
        raise Skip("ipcmk (util-linux) is not installed")
    p, r = shmcheck(["--isolate"], ["ipcmk", "-M", "4096"])
    check(p.returncode == 23, p.stderr)
    check(r["summary"]["leaked_segments"] == 1, json.dumps(r["summary"]))


def afl_target(tmp):
    src = os.path.join(tmp, "t.c")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <unistd.h>\n"
                "int main(void) { char c; FILE *m = fopen(getenv(\"MARK\"), \"w\");"
                " if (m) fclose(m); return read(0, &c, 1) > 0 && c == 'a'; }\n")
    subprocess.run(["afl-cc", "-include", "stdlib.h", "-o",
                    os.path.join(tmp, "t"), src], check=True,
                   env=dict(os.environ, AFL_QUIET="1"), capture_output=True)
    return os.path.join(tmp, "t")


@test
def afl_showmap_no_leak():
    if not shutil.which("afl-showmap") or not shutil.which("afl-cc"):
        raise Skip("afl++ is not installed")
    tmp = tempfile.mkdtemp(prefix="shmc-afl-")
    target = afl_target(tmp)
    p, r = shmcheck(["--isolate"], ["afl-showmap", "-q", "-o",
                                    os.path.join(tmp, "map"), "--", target],
                    input="a", env=dict(os.environ, MARK=os.path.join(tmp, "m")))
    shutil.rmtree(tmp)
    check(r["summary"]["leaked_segments"] == 0, json.dumps(r["findings"]))
    check(r["summary"]["unmatched_attaches"] >= 1, json.dumps(r["summary"]))


@test
def afl_showmap_killed_leaks():
    if not shutil.which("afl-showmap") or not shutil.which("afl-cc"):
        raise Skip("afl++ is not installed")
    tmp = tempfile.mkdtemp(prefix="shmc-afl-")
    target = afl_target(tmp)
    mark = os.path.join(tmp, "m")
    out = os.path.join(tmp, "r.json")
    logs = os.path.join(tmp, "logs")
    proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out, "--log-dir",
                             logs, "--", "afl-showmap", "-q", "-o",
                             os.path.join(tmp, "map"), "--", target],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, MARK=mark))
    deadline = time.time() + 30
    while not os.path.exists(mark) and time.time() < deadline:
        time.sleep(0.02)  # the target is running once it has made the mark
    showmap = [int(n.split(".")[0]) for n in os.listdir(logs)]
    victim = min(showmap)  # afl-showmap itself: the first traced process
    os.kill(victim, signal.SIGKILL)
    proc.stdin.close()  # the target reads EOF and ends; so does its server
    proc.wait(timeout=60)
    with open(out) as f:
        r = json.load(f)
    shutil.rmtree(tmp)
    check(r["summary"]["leaked_segments"] >= 1, json.dumps(r["summary"]))


@test
def signals_are_forwarded():
    tmp = tempfile.mkdtemp(prefix="shmc-sig-")
    out = os.path.join(tmp, "r.json")
    proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out, "--", PROG,
                             "wait"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # the program runs and has leaked
    proc.send_signal(signal.SIGINT)  # as Ctrl-C would
    proc.communicate(timeout=60)
    with open(out) as f:
        r = json.load(f)
    shutil.rmtree(tmp)
    check(line == "ready\n", line)
    check(r["exit"] == {"signal": signal.SIGINT}, json.dumps(r["exit"]))
    check(proc.returncode == 23 and r["summary"]["leaked_segments"] == 1,
          "exit %d" % proc.returncode)


@test
def damaged_journal_is_read_up_to_the_damage():
    tmp = tempfile.mkdtemp(prefix="shmc-dmg-")
    logs = os.path.join(tmp, "logs")
    p = subprocess.run([SHMCHECK, "--isolate", "-q", "--log-dir", logs, "--",
                        PROG, "double_detach"], capture_output=True, text=True)
    journal = os.path.join(logs, os.listdir(logs)[0])
    data = open(journal, "rb").read()
    with open(journal, "wb") as f:  # cut the last record in half
        f.write(data[:len(data) - 40])
    r = subprocess.run([SHMCHECK, "--replay", logs, "--json", "-"],
                       capture_output=True, text=True)
    shutil.rmtree(tmp)
    rep = json.loads(r.stdout)
    check(p.returncode == 23, p.stderr)
    check(any("damaged" in w for w in rep["warnings"]), r.stdout)
    check(rep["summary"]["invalid_detaches"] == 1, r.stdout)


@test
def gen_suppressions_round_trip():
    p = subprocess.run([SHMCHECK, "--isolate", "--gen-suppressions", "--",
                        PROG, "leak"], capture_output=True, text=True)
    rules = re.findall(r"suppression: (\S+)", p.stderr)
    check(rules == ["leaked_segment:create"], p.stderr)
    tmp = tempfile.mkdtemp(prefix="shmc-gen-")
    supp = os.path.join(tmp, "s")
    with open(supp, "w") as f:
        f.write("\n".join(rules) + "\n")
    q, r = shmcheck(["--isolate", "--suppressions", supp], [PROG, "leak"])
    shutil.rmtree(tmp)
    check(q.returncode == 0 and r["summary"]["suppressed"] == 1, q.stderr)


@test
def isolate_as_non_root():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        raise Skip("needs root to become nobody, and setpriv")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    if subprocess.run(nobody + ["test", "-x", SHMCHECK, "-a", "-x", PROG]
                      ).returncode != 0:
        raise Skip("the build directory is not reachable by nobody")
    before = segments()
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                        "--clear-groups", "env", "TMPDIR=/tmp", SHMCHECK,
                        "--isolate", "--", PROG, "leak"],
                       capture_output=True, text=True)
    if "cannot create a private IPC namespace" in p.stderr:
        raise Skip("no unprivileged user namespaces here")
    check(p.returncode == 23 and "leaked segment" in p.stderr, p.stderr)
    check(segments() == before, "the host namespace changed")


@test
def version():
    p = subprocess.run([SHMCHECK, "--version"], capture_output=True, text=True)
    check(p.returncode == 0 and p.stdout.startswith("shmcheck 0."), p.stdout)


finish("Running CLI tests")
