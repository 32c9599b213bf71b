"""cleanup_reuse.py SHMCHECK OUT.json [LATE] - run inside a private PID and IPC
namespace (unshare --ipc --pid --fork --mount-proc): under shmcheck
--cleanup, a shell starts a child that prints its pid and ends; once the
child is reaped, a bystander outside the tree takes its pid and creates a
segment with it (ipcmk), at once or, with LATE, once LATE seconds have
passed since (what a creation time in whole seconds can tell apart);
then the tree ends. Prints "bystander's segment
kept" or "bystander's segment removed", and the --cleanup line; exits 1
when the scene could not be set."""
import json
import os
import subprocess
import sys
import time

shmcheck, out = sys.argv[1], sys.argv[2]
late = float(sys.argv[3]) if len(sys.argv) > 3 else 0
cli = subprocess.Popen(
    [shmcheck, "--cleanup", "--json", out, "--", "sh", "-c",
     'sh -c "echo \\$\\$"; wait; echo reaped; read go'],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    text=True)
child = int(cli.stdout.readline())
assert cli.stdout.readline() == "reaped\n"  # its parent waited for it
time.sleep(late)  # the scene needs the time to pass, nothing to wait for

# The bystander asks for the child's pid until it gets it, then runs ipcmk.
for attempt in range(100000):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(child - 1))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if os.getpid() == child:
            os.dup2(w, 1)
            os.execvp("ipcmk", ["ipcmk", "-M", "4096"])
        os._exit(3)
    os.close(w)
    got = os.read(r, 256).decode()
    os.close(r)
    os.waitpid(pid, 0)
    if got:
        break
else:
    print("could not take the pid")
    cli.kill()
    sys.exit(1)
shmid = int(got.split()[-1])

_, err = cli.communicate("go\n", timeout=60)
with open("/proc/sysvipc/shm") as f:
    kept = any(ln.split()[1] == str(shmid) for ln in f.readlines()[1:])
print("bystander's segment %s" % ("kept" if kept else "removed"))
print([ln for ln in err.splitlines() if "--cleanup" in ln][0])
with open(out) as f:
    r = json.load(f)
print("reported as leaked: %s" % any(
    x["kind"] == "leaked_segment" and x["shmid"] == shmid
    for x in r["findings"]))
print("\n".join(r["warnings"]))
if kept:
    subprocess.run(["ipcrm", "-m", str(shmid)])
