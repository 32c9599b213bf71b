#!/usr/bin/env python3
"""test_cli_more.py BUILD_DIR - the shmcheck command line itself: every
option and its refusals (exact messages, exit status 2), where the tracer
is looked for, --log-dir and --replay, reports that cannot be written, the
program's own exit status or signal passed on, and the failures the CLI
reports before it runs anything (no descriptors, no namespace, no /proc).
test_cli.py checks the findings; this checks the tool around them.
Prints cmocka-style result lines, which tests/run.sh counts.
"""
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SHMCHECK = os.path.join(BUILD, "shmcheck")
TRACER = os.path.join(BUILD, "libshmcheck-trace.so")
PROG = os.path.join(BUILD, "tests/cli/cliprog")
TRY = "Try 'shmcheck --help' for more information.\n"
TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

sys.path.insert(0, os.path.join(TESTS, "cli"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from clitest import Skip, check, finish, test  # noqa: E402


def quiet_gcov(p):
    """p without the coverage runtime's complaints about stale data."""
    if p.stderr:
        p.stderr = "".join(line for line in p.stderr.splitlines(True)
                           if not line.startswith("libgcov profiling error"))
    return p


def run(args, **kw):
    """shmcheck ARGS; its CompletedProcess (text)."""
    kw.setdefault("capture_output", True)
    return quiet_gcov(subprocess.run([SHMCHECK] + args, text=True,
                                     timeout=120, **kw))


def expect(p, status, stderr=None, contains=()):
    check(p.returncode == status, "exit %d, want %d; stderr:\n%s" %
          (p.returncode, status, p.stderr))
    if stderr is not None:
        check(p.stderr == stderr, "stderr:\n%r\nwant:\n%r" % (p.stderr, stderr))
    for c in contains:
        check(c in p.stderr, "%r not in stderr:\n%s" % (c, p.stderr))


def usage_error(args, message):
    expect(run(args), 2, "shmcheck: %s\n%s" % (message, TRY))


class Tmp:
    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="shmc-more-")
        return self.dir

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)


def report(path):
    with open(path) as f:
        return json.load(f)


def need_root_tools(*tools):
    if os.geteuid() != 0:
        raise Skip("needs root")
    for t in tools:
        if not shutil.which(t):
            raise Skip("needs %s" % t)


# --- options ---------------------------------------------------------------

@test
def help_lists_every_option():
    p = run(["-h"])
    check(p.returncode == 0 and p.stderr == "", p.stderr)
    check(p.stdout.startswith("Usage: shmcheck [options] -- program "
                              "[arguments...]\n"), p.stdout)
    for opt in ("-j, --json=FILE", "-s, --sarif=FILE", "-S, --suppressions=FILE",
                "-g, --gen-suppressions", "-i, --isolate", "-c, --cleanup",
                "-e, --error-exitcode=N", "-E, --errors=KINDS",
                "-l, --log-dir=DIR", "-r, --replay=DIR", "-t, --trace-lib=PATH",
                "-y, --symbolizer=PATH", "-n, --no-symbolize",
                "-q, --quiet", "-V, --version", "-h, --help"):
        check("  %s " % opt in p.stdout, "%s missing:\n%s" % (opt, p.stdout))
    check(p.stdout.endswith("2 for bad usage.\n"), p.stdout)


@test
def help_and_version_to_a_full_disk():
    with open("/dev/full", "w") as full:
        h = subprocess.run([SHMCHECK, "--help"], stdout=full)
        v = subprocess.run([SHMCHECK, "--version"], stdout=full)
    check(h.returncode == 2, "--help: %d" % h.returncode)
    check(v.returncode == 2, "--version: %d" % v.returncode)


@test
def bad_numbers_and_kinds():
    for n in ("0", "256", "-1", "x", "", "7x", "99999999999999999999"):
        usage_error(["--error-exitcode", n, "--", PROG, "clean"],
                    "--error-exitcode: '%s' is not a number 1..255" % n)
    for k in ("bogus", "leaked_segment,bogus", "lint," * 60, "leaked"):
        usage_error(["--errors", k, "--", PROG, "clean"],
                    "--errors: '%s' is not a list of finding kinds" % k)


@test
def other_usage_errors():
    usage_error([], "no program to run")
    usage_error(["--json"], "option '--json' needs an argument")
    usage_error(["-q", "-j"], "option '--json' needs an argument")
    usage_error(["--bogus=1", "--", PROG], "unknown option '--bogus=1'")
    usage_error(["-qx", "--", PROG], "unknown option '-x'")
    usage_error(["--isolate=yes", "--", PROG],
                "option '--isolate' takes no argument")
    with Tmp() as tmp:
        supp = os.path.join(tmp, "s")
        open(supp, "w").close()
        usage_error(["-S", supp] * 17 + ["--", PROG, "clean"],
                    "at most 16 suppression files")
        p = run(["-S", supp] * 16 + ["--isolate", "--", PROG, "clean"])
        expect(p, 0)


@test
def program_name_from_argv0():
    with Tmp() as tmp:
        link = os.path.join(tmp, "mycheck")
        os.symlink(SHMCHECK, link)
        p = quiet_gcov(subprocess.run(["mycheck", "--bogus"],
                                      capture_output=True, text=True,
                                      env=dict(os.environ, PATH=tmp)))
    check(p.returncode == 2 and p.stderr ==
          "mycheck: unknown option '--bogus'\n"
          "Try 'mycheck --help' for more information.\n", p.stderr)
    q = quiet_gcov(subprocess.run(["", "--bogus"], executable=SHMCHECK,
                                  capture_output=True, text=True))
    check(q.returncode == 2 and q.stderr.startswith("shmcheck: unknown "
                                                    "option '--bogus'\n"),
          q.stderr)


@test
def error_exit_code_and_kinds():
    expect(run(["-e", "7", "--isolate", "--", PROG, "leak"]), 7)
    expect(run(["--isolate", "--", PROG, "attach_twice"]), 0)
    expect(run(["--errors", "unmatched_attach", "--isolate", "--", PROG,
                "attach_twice"]), 23)
    expect(run(["--errors", "all", "-e", "9", "--isolate", "--", PROG,
                "attach_twice"]), 9)
    expect(run(["--errors", "inherited_unmatched", "--isolate", "--", PROG,
                "inherit"]), 23)
    # a leak that is not an error: the program's own status
    expect(run(["--errors", "invalid_detach,lint", "--isolate", "--", PROG,
                "leak"]), 0, contains=["WARNING: leaked segment"])


@test
def quiet_prints_only_when_errors_are_found():
    q = run(["-q", "--isolate", "--", PROG, "attach_twice"])
    expect(q, 0, "")
    e = run(["-q", "--isolate", "--", PROG, "leak"])
    expect(e, 23, contains=["ERROR: leaked segment", "SUMMARY: shmcheck: 1 "
                            "leaked segment(s) (4096 bytes)"])


@test
def cleanup_leaves_other_findings():
    p = run(["--cleanup", "--isolate", "--", PROG, "attach_twice"])
    expect(p, 0, contains=["shmcheck: --cleanup removed 0 leaked segment(s)\n"])


# --- the tracer ------------------------------------------------------------

NO_TRACER = ("shmcheck: cannot find libshmcheck-trace.so (use --trace-lib or "
             "SHMCHECK_TRACE_LIB)\n")


@test
def trace_lib_given():
    expect(run(["--trace-lib", "/nonexistent/libt.so", "--", PROG, "clean"]),
           2, NO_TRACER)
    env = dict(os.environ, SHMCHECK_TRACE_LIB="/nonexistent/libt.so")
    expect(run(["--", PROG, "clean"], env=env), 2, NO_TRACER)
    expect(run(["--trace-lib", TRACER, "--isolate", "--", PROG, "leak"]), 23)
    env = dict(os.environ, SHMCHECK_TRACE_LIB=TRACER)
    expect(run(["--isolate", "--", PROG, "leak"], env=env), 23)


@test
def tracer_next_to_or_below_the_program():
    with Tmp() as tmp, Tmp() as other:
        for d in ("bin", "lib"):
            os.mkdir(os.path.join(tmp, d))
        shutil.copy(SHMCHECK, os.path.join(tmp, "bin", "shmcheck"))
        shutil.copy(TRACER, os.path.join(tmp, "lib"))
        shutil.copy(SHMCHECK, os.path.join(other, "shmcheck"))
        installed = quiet_gcov(subprocess.run(
            [os.path.join(tmp, "bin", "shmcheck"), "--isolate", "--", PROG,
             "leak"], capture_output=True, text=True))
        alone = quiet_gcov(subprocess.run(
            [os.path.join(other, "shmcheck"), "--", PROG, "leak"],
            capture_output=True, text=True))
    expect(installed, 23, contains=["ERROR: leaked segment"])
    expect(alone, 2, NO_TRACER)


@test
def no_proc_no_tracer():
    need_root_tools("unshare")
    p = quiet_gcov(subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         'mount -t tmpfs none /proc && exec "$0" -- "$1" clean', SHMCHECK,
         PROG], capture_output=True, text=True))
    expect(p, 2, NO_TRACER)


# --- symbolization ---------------------------------------------------------

def frames(r):
    return [f for x in r["findings"] for f in x["stack"]]


@test
def symbolizer_missing_or_off():
    with Tmp() as tmp:
        out = os.path.join(tmp, "r.json")
        bad = run(["--symbolizer", "/nonexistent/llvm-symbolizer", "--json",
                   out, "--isolate", "--", PROG, "leak"])
        rbad = report(out)
        off = run(["--no-symbolize", "--json", out, "--isolate", "--", PROG,
                   "leak"])
        roff = report(out)
        clean = run(["--symbolizer", "/nonexistent/llvm-symbolizer",
                     "--isolate", "--", PROG, "clean"])
    expect(bad, 23, contains=[
        "shmcheck: warning: cannot start /nonexistent/llvm-symbolizer: No such "
        "file or directory; stacks stay as module+offset\n"])
    expect(off, 23)
    check("warning" not in off.stderr, off.stderr)
    expect(clean, 0)  # nothing to symbolize: never started
    check("warning" not in clean.stderr, clean.stderr)
    for r in (rbad, roff):
        fr = frames(r)
        check(fr and all(f["function"] is None and f["file"] is None
                         for f in fr), json.dumps(fr))
        check(any(f["module"] and f["module"].endswith("/cliprog")
                  for f in fr), json.dumps(fr))


# --- journals --------------------------------------------------------------

@test
def log_dir_keeps_the_journals():
    with Tmp() as tmp:
        logs = os.path.join(tmp, "logs")
        first = run(["--log-dir", logs, "--isolate", "--", PROG,
                     "double_detach"])
        names = os.listdir(logs)
        mode = stat.S_IMODE(os.stat(logs).st_mode)
        again = run(["--log-dir", logs, "--isolate", "--", PROG, "clean"])
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        reuse = run(["--log-dir", empty, "--isolate", "--", PROG, "clean"])
        kept = os.listdir(empty)
    expect(first, 23)
    check(len(names) == 1 and names[0].endswith(".0.shmj"), names)
    check(mode == 0o700, oct(mode))
    expect(again, 2, "shmcheck: --log-dir: '%s' holds the journals of an "
           "earlier run (analyse them with --replay, or give an empty "
           "directory)\n" % logs)
    expect(reuse, 0)
    check(len(kept) == 1, kept)


@test
def log_dir_refused():
    with Tmp() as tmp:
        f = os.path.join(tmp, "file")
        open(f, "w").close()
        deep = os.path.join(tmp, "a", "b")
        dangling = os.path.join(tmp, "dangling")
        os.symlink(os.path.join(tmp, "nowhere"), dangling)
        for d, why in ((f, "Not a directory"),
                       (deep, "No such file or directory"),
                       (dangling, "No such file or directory")):
            expect(run(["--log-dir", d, "--", PROG, "clean"]), 2,
                   "shmcheck: --log-dir: '%s': %s\n" % (d, why))


@test
def temporary_log_dir():
    with Tmp() as tmp:
        gone = os.path.join(tmp, "gone")
        p = run(["--", PROG, "clean"], env=dict(os.environ, TMPDIR=gone))
        q = run(["--isolate", "--", PROG, "clean"],
                env=dict(os.environ, TMPDIR=""))
        r = run(["--isolate", "--", PROG, "clean"],
                env=dict(os.environ, TMPDIR=tmp))
        left = os.listdir(tmp)
    expect(p, 2, "shmcheck: cannot create a log directory in %s: No such "
           "file or directory\n" % gone)
    expect(q, 0)
    expect(r, 0)
    check(left == [], "not removed: %s" % left)


@test
def replay_what_was_kept():
    with Tmp() as tmp:
        logs = os.path.join(tmp, "logs")
        live_out, replay_out = (os.path.join(tmp, n) for n in ("a", "b"))
        live = run(["--log-dir", logs, "--json", live_out, "--isolate", "--",
                    PROG, "double_detach"])
        again = run(["--replay", logs, "--json", replay_out])
        a, b = report(live_out), report(replay_out)
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        none = run(["--replay", empty, "--json", "-"])
        with open(os.path.join(empty, "1.0.shmj"), "w") as f:
            f.write("not a journal")
        bad = run(["--replay", empty, "--json", "-"])
    expect(live, 23)
    expect(again, 23)
    check(a["findings"] == b["findings"], json.dumps(b["findings"]))
    check(b["command"] == [] and b["exit"] == {"status": None}, json.dumps(b))
    expect(none, 0)
    n = json.loads(none.stdout)
    check(n["findings"] == [] and n["processes"] == [] and
          n["warnings"] == [], none.stdout)
    expect(bad, 0, contains=["warning: %s/1.0.shmj: not a shmcheck journal "
                             "(bad magic or version)" % empty])
    check(len(json.loads(bad.stdout)["warnings"]) == 1, bad.stdout)


@test
def replay_missing():
    expect(run(["--replay", "/nonexistent/logs"]), 2,
           "shmcheck: --replay: '/nonexistent/logs': No such file or "
           "directory\n")


# --- reports ---------------------------------------------------------------

@test
def reports_that_cannot_be_written():
    missing = "/nonexistent/dir/r.json"
    p = run(["--json", missing, "--isolate", "--", PROG, "leak"])
    expect(p, 2, contains=["shmcheck: cannot write '%s': No such file or "
                           "directory\n" % missing])
    for opt in ("--json", "--sarif"):
        p = run([opt, "/dev/full", "--isolate", "--", PROG, "leak"])
        expect(p, 2, contains=["shmcheck: writing '/dev/full' failed\n"])
    with open("/dev/full", "w") as full:
        p = quiet_gcov(subprocess.run(
            [SHMCHECK, "--json", "-", "--isolate", "--", PROG, "clean"],
            stdout=full, stderr=subprocess.PIPE, text=True))
        q = subprocess.run([SHMCHECK, "--isolate", "--", PROG, "leak"],
                           stderr=full)
    expect(p, 2, contains=["shmcheck: writing '-' failed\n"])
    check(q.returncode == 2, "text report to a full disk: %d" % q.returncode)


# --- the program's own status ----------------------------------------------

@test
def status_and_signals_pass_through():
    with Tmp() as tmp:
        out = os.path.join(tmp, "r.json")
        st = run(["--json", out, "--", "sh", "-c", "exit 5"])
        rst = report(out)
        term = run(["--json", out, "--", "sh", "-c", "kill -TERM $$"])
        rterm = report(out)
        # SIGPIPE as the program would have it without shmcheck (the CLI
        # ignores it only for its own reports)
        pipe = run(["--json", out, "--", "sh", "-c", "kill -PIPE $$"])
        rpipe = report(out)
    expect(st, 5)
    check(rst["exit"] == {"status": 5}, json.dumps(rst["exit"]))
    expect(term, 128 + signal.SIGTERM)
    check(rterm["exit"] == {"signal": signal.SIGTERM}, json.dumps(rterm["exit"]))
    expect(pipe, 128 + signal.SIGPIPE)
    check(rpipe["exit"] == {"signal": signal.SIGPIPE}, json.dumps(rpipe["exit"]))


# --- failures before the program runs --------------------------------------

def no_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))
    os.close(0)  # one descriptor free: a pipe needs two


@test
def no_descriptor_for_the_pipe():
    with Tmp() as tmp:
        logs = os.path.join(tmp, "logs")
        p = quiet_gcov(subprocess.run(
            [SHMCHECK, "--log-dir", logs, "--", PROG, "clean"],
            capture_output=True, text=True, preexec_fn=no_fds))
        kept = os.path.isdir(logs)
    expect(p, 2, "shmcheck: pipe: Too many open files\n")
    check(kept, "--log-dir removed after a failure")


@test
def isolate_impossible():
    need_root_tools("unshare", "setpriv")
    # root of a user namespace that may create no other, without
    # CAP_SYS_ADMIN: neither way to a private IPC namespace is open
    p = quiet_gcov(subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", "-c",
         'echo 0 >/proc/sys/user/max_user_namespaces && exec setpriv '
         '--bounding-set=-sys_admin --inh-caps=-sys_admin "$0" --isolate '
         '-- "$1" clean', SHMCHECK, PROG], capture_output=True, text=True))
    if "max_user_namespaces" in p.stderr:
        raise Skip("cannot limit user namespaces here: " + p.stderr)
    expect(p, 2, "shmcheck: --isolate: cannot create a private IPC namespace: "
           "No space left on device (needs root, or unprivileged user "
           "namespaces: sysctl kernel.unprivileged_userns_clone=1)\n")


@test
def out_of_memory_anywhere():
    """Every allocation from the n-th on fails: shmcheck says so and exits
    2, or gives the whole report; it never crashes."""
    if not shutil.which("cc"):
        raise Skip("needs cc to build failmalloc.so")
    with Tmp() as tmp:
        so = os.path.join(tmp, "failmalloc.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so,
                        os.path.join(TESTS, "cli", "failmalloc.c"), "-ldl"],
                       check=True)
        logs = os.path.join(tmp, "logs")
        supp = os.path.join(tmp, "supp")
        with open(supp, "w") as f:
            f.write("lint:*\n")
        expect(run(["-q", "--log-dir", logs, "--isolate", "--", PROG,
                    "double_detach"]), 23)
        args = ["-n", "-S", supp, "--replay", logs, "--json", "-"]
        want = run(args).stdout
        n = 0
        while True:
            p = run(args, env=dict(os.environ, LD_PRELOAD=so,
                                   SHMC_FAILMALLOC=str(n)))
            if p.returncode == 23 and p.stdout == want:
                break
            check(p.returncode == 2 and any(
                m in p.stderr for m in ("out of memory", "Cannot allocate "
                                        "memory", "writing '-' failed")),
                "allocation %d: exit %d\n%s" % (n, p.returncode, p.stderr))
            n += 1
            check(n < 2000, "never completes")
    check(n > 10, "only %d allocations" % n)


@test
def ctrl_c_as_the_program_starts():
    """SIGINT at any moment of start-up ends the CLI and the program: it
    reaches the program once forwarding is possible, and never kills the
    CLI alone, leaving the program running (it holds our stdout pipe, so
    communicate() would time out)."""
    for i in range(20):
        tmp = tempfile.mkdtemp(prefix="shmc-int-")
        out = os.path.join(tmp, "r.json")
        proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out, "--",
                                 PROG, "wait"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            subprocess.run(["pkill", "-KILL", "-f", PROG + " wait"])
            shutil.rmtree(tmp)
            check(False, "run %d: the program outlived the CLI" % i)
        shutil.rmtree(tmp)
        check(proc.returncode in (-signal.SIGINT, 128 + signal.SIGINT, 23),
              "run %d: exit %d" % (i, proc.returncode))


finish("Running CLI option tests")
