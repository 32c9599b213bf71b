#!/usr/bin/env python3
"""test_run.py - the process tree shmcheck runs (src/cli/run.c) end to
end: --cleanup removes exactly the tree's leaked segments; signals reach
the program, Ctrl-C at any moment of start-up included; --isolate as a
user without privileges, and refused when no way to a private IPC
namespace is open; no descriptor left for the pipe to the tree.
Run: SHMC_BUILD_DIR=build python3 tests/cli/test_run.py
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (PROG, SHMCHECK, CliTest, Tmp, main,  # noqa: E402
                     need_root_tools, quiet_gcov, run, segments,
                     shmcheck_json)


class Cleanup(CliTest):
    """--cleanup."""

    def test_cleanup_removes_exactly_the_leaks(self):
        bystander = subprocess.run(["ipcmk", "-M", "4096"],
                                   capture_output=True,
                                   text=True).stdout.split()[-1]
        try:
            proc, r = shmcheck_json(["--cleanup"], [PROG, "leak"])
            left = [s[1] for s in segments()]
            self.assertTrue(proc.returncode == 23, proc.stderr)
            self.assertTrue("removed 1 leaked segment" in proc.stderr,
                            proc.stderr)
            self.assertTrue(left == [bystander], "left: %s" % left)
        finally:
            subprocess.run(["ipcrm", "-m", bystander])

    def test_on_error_abort_is_not_the_trees(self):
        # SHMCHECK_ON_ERROR=abort (for a fuzzer, without shmcheck) would
        # have the program remove its leak and abort before shmcheck looks:
        # under shmcheck the tree exits as it asked and the leak is found.
        env = dict(os.environ, SHMCHECK_ON_ERROR="abort")
        proc, r = shmcheck_json(["--cleanup"], [PROG, "leak"], env=env)
        self.assertTrue(proc.returncode == 23, proc.stderr)
        self.assertTrue("removed 1 leaked segment" in proc.stderr,
                        proc.stderr)
        self.assertEqual([f["kind"] for f in r["findings"]],
                         ["leaked_segment"])

    def test_cleanup_leaves_other_findings(self):
        p = run(["--cleanup", "--isolate", "--", PROG, "attach_twice"])
        self.expect(p, 0, contains=["shmcheck: --cleanup removed 0 leaked "
                                    "segment(s)\n"])


class Signals(CliTest):
    """Signals sent to shmcheck reach the program."""

    def test_signals_are_forwarded(self):
        tmp = tempfile.mkdtemp(prefix="shmc-sig-")
        out = os.path.join(tmp, "r.json")
        proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out, "--",
                                 PROG, "wait"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()  # the program runs and has leaked
        proc.send_signal(signal.SIGINT)  # as Ctrl-C would
        proc.communicate(timeout=60)
        with open(out) as f:
            r = json.load(f)
        shutil.rmtree(tmp)
        self.assertTrue(line == "ready\n", line)
        self.assertTrue(r["exit"] == {"signal": signal.SIGINT},
                        json.dumps(r["exit"]))
        self.assertTrue(proc.returncode == 23 and
                        r["summary"]["leaked_segments"] == 1,
                        "exit %d" % proc.returncode)

    def test_ctrl_c_as_the_program_starts(self):
        """SIGINT at any moment of start-up ends the CLI and the program:
        it reaches the program once forwarding is possible, and never
        kills the CLI alone, leaving the program running (it holds our
        stdout pipe, so communicate() would time out)."""
        for i in range(20):
            tmp = tempfile.mkdtemp(prefix="shmc-int-")
            out = os.path.join(tmp, "r.json")
            proc = subprocess.Popen([SHMCHECK, "--isolate", "--json", out,
                                     "--", PROG, "wait"],
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                subprocess.run(["pkill", "-KILL", "-f", PROG + " wait"])
                shutil.rmtree(tmp)
                self.fail("run %d: the program outlived the CLI" % i)
            shutil.rmtree(tmp)
            self.assertTrue(proc.returncode in (-signal.SIGINT,
                                                128 + signal.SIGINT, 23),
                            "run %d: exit %d" % (i, proc.returncode))


def no_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))
    os.close(0)  # one descriptor free: a pipe needs two


class Start(CliTest):
    """What fails before the program runs."""

    def test_isolate_as_non_root(self):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root to become nobody, and setpriv")
        nobody = ["setpriv", "--reuid=65534", "--regid=65534",
                  "--clear-groups"]
        if subprocess.run(nobody + ["test", "-x", SHMCHECK, "-a", "-x", PROG]
                          ).returncode != 0:
            self.skipTest("the build directory is not reachable by nobody")
        before = segments()
        p = subprocess.run(nobody + ["env", "TMPDIR=/tmp", SHMCHECK,
                                     "--isolate", "--", PROG, "leak"],
                           capture_output=True, text=True)
        if "cannot create a private IPC namespace" in p.stderr:
            self.skipTest("no unprivileged user namespaces here")
        self.assertTrue(p.returncode == 23 and "leaked segment" in p.stderr,
                        p.stderr)
        self.assertTrue(segments() == before, "the host namespace changed")
        # The program runs as the caller, not as root of the namespace.
        p = subprocess.run(nobody + ["env", "TMPDIR=/tmp", SHMCHECK, "-q",
                                     "--isolate", "--", "sh", "-c",
                                     "id -u; id -g"],
                           capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout), (0, "65534\n65534\n"),
                         p.stderr)

    def test_isolate_impossible(self):
        need_root_tools("unshare", "setpriv")
        # root of a user namespace that may create no other, without
        # CAP_SYS_ADMIN: neither way to a private IPC namespace is open
        p = quiet_gcov(subprocess.run(
            ["unshare", "--user", "--map-root-user", "sh", "-c",
             'echo 0 >/proc/sys/user/max_user_namespaces && exec setpriv '
             '--bounding-set=-sys_admin --inh-caps=-sys_admin "$0" --isolate '
             '-- "$1" clean', SHMCHECK, PROG], capture_output=True, text=True))
        if "max_user_namespaces" in p.stderr:
            self.skipTest("cannot limit user namespaces here: " + p.stderr)
        self.expect(p, 2, "shmcheck: --isolate: cannot create a private IPC "
                    "namespace: No space left on device (needs root, or "
                    "unprivileged user namespaces: sysctl "
                    "kernel.unprivileged_userns_clone=1)\n")

    def test_no_descriptor_for_the_pipe(self):
        with Tmp() as tmp:
            logs = os.path.join(tmp, "logs")
            p = quiet_gcov(subprocess.run(
                [SHMCHECK, "--log-dir", logs, "--", PROG, "clean"],
                capture_output=True, text=True, preexec_fn=no_fds))
            kept = os.path.isdir(logs)
        # The first descriptor the run needs: the journal broker's socket.
        self.expect(p, 2, "shmcheck: journal broker: socket: Too many open "
                    "files\n")
        self.assertTrue(kept, "--log-dir removed after a failure")


if __name__ == "__main__":
    main()
