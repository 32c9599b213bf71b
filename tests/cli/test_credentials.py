#!/usr/bin/env python3
"""test_credentials.py - issue 11: processes that change credentials are
traced like the others (tests/cli/helpers/privdrop.c, started as root).

  - privdrop drops to nobody by its own setgroups/setgid/setuid after its
    journal exists, then makes the journal grow: no record is lost;
  - privdrop runs its workers through runuser, su, setpriv and sudo: the
    images after the change get journals of their own;
in every case, every finding with its stack: the leaked segment, the
unmatched attaches (own and inherited), the double detach; and the
program's output and exit status are the same as bare.

And the journal broker that makes this possible serves no one else: a
process outside the tree, with the right secret or a wrong one, gets no
descriptor, and the log directory stays closed to other users.

Run: SHMC_BUILD_DIR=build python3 tests/cli/test_credentials.py
"""
import array
import errno
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from support import (BUILD, SHMCHECK, TRACER, CliTest,  # noqa: E402
                     main, need_root_tools, segments, shmcheck_json)

PRIVDROP = os.path.join(BUILD, "tests/cli/helpers/privdrop")
NOBODY = 65534


def functions(finding):
    """The functions of a finding's stack that are privdrop's own."""
    return [f["function"] for f in finding["stack"]
            if (f.get("file") or "").endswith("privdrop.c")]


def summary(report):
    """(kind, inherited, ended_by, functions) of each finding but lints."""
    return sorted((f["kind"], bool(f.get("inherited")), f.get("ended_by"),
                   tuple(functions(f)))
                  for f in report["findings"] if f["kind"] != "lint")


SELF = [
    ("invalid_detach", False, None, ("detach_twice", "workers", "main")),
    ("leaked_segment", False, None, ("create_segment", "main")),
    ("unmatched_attach", False, "exit", ("attach_as_root", "main")),
    ("unmatched_attach", True, "exit", ("attach_as_root", "main")),
]

# Through a tool: the child that execs the tool inherits the root image's
# attachment (it ends at that exec); the nobody image attaches again.
THROUGH = [
    ("invalid_detach", False, None, ("detach_twice", "workers", "main")),
    ("leaked_segment", False, None, ("create_segment", "main")),
    ("unmatched_attach", False, "exit", ("attach_as_nobody", "workers",
                                         "main")),
    ("unmatched_attach", False, "exit", ("attach_as_root", "main")),
    ("unmatched_attach", True, "exec", ("attach_as_root", "main")),
    ("unmatched_attach", True, "exit", ("attach_as_nobody", "workers",
                                        "main")),
]


class Credentials(CliTest):

    def drop(self, how, tool, expected):
        need_root_tools(*([tool] if tool else []))
        bare = subprocess.run(["unshare", "--ipc", PRIVDROP, how],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(bare.returncode, 0, bare.stderr)
        before = segments()
        proc, report = shmcheck_json(["--isolate", "--quiet"], [PRIVDROP, how])
        self.expect(proc, 23)
        self.assertEqual(segments(), before)
        self.assertEqual(proc.stdout, bare.stdout)
        self.assertEqual(proc.stdout, "privdrop: workers done as uid %d\n"
                         % NOBODY)
        self.assertEqual(summary(report), expected, proc.stderr)
        # Nothing lost, nothing untraced: no warning at all.
        self.assertEqual(report["warnings"], [])
        leak = [f for f in report["findings"]
                if f["kind"] == "leaked_segment"][0]
        self.assertEqual(leak["seen_by"], "tracer")
        return report

    def test_own_setuid_after_attach(self):
        report = self.drop("self", None, SELF)
        self.assertEqual(len(report["processes"]), 3)

    def test_runuser(self):
        self.drop("runuser", "runuser", THROUGH)

    def test_su(self):
        self.drop("su", "su", THROUGH)

    def test_setpriv(self):
        self.drop("setpriv", "setpriv", THROUGH)

    def test_sudo(self):
        self.drop("sudo", "sudo", THROUGH)


def ask(name, secret, pid):
    """One broker request from this process (outside the tree): the
    reply's errno and the descriptors that came with it."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(10)
    s.connect("\0" + name)
    s.send(b"SHMCBRK1" + secret + struct.pack("<iiII", 1, pid, 0, 0))
    msg, anc, _, _ = s.recvmsg(64, socket.CMSG_SPACE(4))
    s.close()
    fds = array.array("i")
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:4])
    for fd in fds:
        os.close(fd)
    return struct.unpack("<iI", msg)[0], len(fds)


class Broker(CliTest):

    def test_no_descriptor_outside_the_tree(self):
        need_root_tools()
        tmp = tempfile.mkdtemp(prefix="shmc-broker-")
        fifo, info = os.path.join(tmp, "go"), os.path.join(tmp, "env")
        os.mkfifo(fifo)
        os.mkfifo(info)
        logs = os.path.join(tmp, "logs")
        script = ('printf %s "$SHMCHECK__BROKER" > ' + info +
                  '; read x < ' + fifo)
        tree = subprocess.Popen(
            [SHMCHECK, "--isolate", "--quiet", "--log-dir", logs, "--",
             "sh", "-c", script], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            with open(info) as f:  # the tree writes it, then waits on go
                text = f.read()
            name, hexsecret = text.split(":")
            secret = bytes.fromhex(hexsecret)
            # Right secret, but not a process of the tree; wrong secret.
            self.assertEqual(ask(name, secret, os.getpid()),
                             (errno.EPERM, 0))
            self.assertEqual(ask(name, bytes(16), os.getpid()),
                             (errno.EPERM, 0))
            # The log directory: root's, closed to everyone else.
            st = os.stat(logs)
            self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)),
                             (0, 0o700))
            for j in os.listdir(logs):
                st = os.stat(os.path.join(logs, j))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, j)
        finally:
            with open(fifo, "w") as f:
                f.write("go\n")
            out, err = tree.communicate(timeout=60)
        self.assertEqual(tree.returncode, 0, err)
        subprocess.run(["rm", "-rf", tmp], check=True)


class Standalone(CliTest):
    """The tracer without the CLI: no broker to ask."""

    def standalone(self, broker):
        tmp = tempfile.mkdtemp(prefix="shmc-standalone-")
        os.chmod(tmp, 0o700)
        env = dict(os.environ, LD_PRELOAD=TRACER, SHMCHECK_LOG_DIR=tmp,
                   SHMCHECK__BROKER=broker, SHMCHECK_EXITCODE="0")
        proc = subprocess.run(["unshare", "--ipc", PRIVDROP, "self"],
                              capture_output=True, text=True, env=env,
                              timeout=60)
        subprocess.run(["rm", "-rf", tmp], check=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def test_malformed_broker_setting(self):
        need_root_tools()
        proc = self.standalone("no-secret-here")
        self.assertIn("SHMCHECK__BROKER is malformed: journals are created "
                      "by path", proc.stderr)

    def test_no_broker_after_setuid(self):
        """The journal made as root cannot grow once the process is nobody:
        the loss is counted, the worker children say why they have none."""
        need_root_tools()
        proc = self.standalone("gone:" + "0" * 32)
        self.assertIn("cannot create a journal in SHMCHECK_LOG_DIR: errno %d "
                      "(EACCES)" % errno.EACCES, proc.stderr)


if __name__ == "__main__":
    main()
