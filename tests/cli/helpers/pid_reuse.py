"""pid_reuse.py SHMCHECK OUT.json - run inside a private PID namespace
(unshare --pid --fork --mount-proc): shmcheck runs a shell that starts a
sleep in the background and exits; once shmcheck has reaped the shell, a
bystander outside the tree takes the shell's pid (ns_last_pid); then
SIGTERM to shmcheck. Prints one line: "bystander alive", or "bystander
killed by N"; exits 1 when the scene could not be set."""
import os
import signal
import subprocess
import sys

shmcheck, out = sys.argv[1], sys.argv[2]
cli = subprocess.Popen([shmcheck, "--json", out, "--", "sh", "-c",
                        "sleep 60 & echo $$"], stdout=subprocess.PIPE,
                       text=True)
top = int(cli.stdout.readline())

# The bystander: blocks on a pipe. It must get the shell's pid, which is
# free only once shmcheck reaped the shell: ask for it until it comes.
r, w = os.pipe()
bystander = None
for attempt in range(100000):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(top - 1))
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    if pid == top:
        bystander = pid
        break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
if bystander is None:
    print("could not take the pid")
    sys.exit(1)

cli.send_signal(signal.SIGTERM)
cli.wait(timeout=60)
done, status = os.waitpid(bystander, os.WNOHANG)
if done == 0:
    print("bystander alive")
    os.close(w)
    os.waitpid(bystander, 0)
else:
    print("bystander killed by %d" % os.WTERMSIG(status))
print("shmcheck exit %d" % cli.returncode)
