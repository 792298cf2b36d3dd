"""Reward Lens: run a command with every mount read-only except some folders, in its own PID namespace.

    python3 -I sandbox_exec.py --writable DIR [--writable DIR ...] [--hide PATH ...] -- COMMAND [ARG ...]

Started by src/worker/patch/testRunner.ts for the patch `tests` reward: the test command runs the model's code, so it
must not write anywhere but its temporary copy of the workspace (and a temporary folder for caches). Linux only, no
privileges: a new user namespace in which the caller's uid and gid map to themselves (the command runs as the user,
not as root), a network namespace with only the loopback (tests can serve and connect on localhost; nothing leaves
the machine), a mount namespace in which the whole tree is made read-only with mount_setattr(2) (Linux 5.12) and the
given folders writable again, and a PID namespace whose first process is the command, so that when it ends, or this
process is killed, everything it started ends too (a setsid'd process included). Each --hide path is covered: a
folder by an empty read-only one, a file or socket by /dev/null. A read-only mount does not stop connect(2) to a
socket, and some sockets run commands outside any sandbox (the session bus's systemd-run, the docker daemon), so the
caller hides them.

Exit status: the command's (128 + n when a signal n ended it); 125 with one "sandbox: ..." line on stderr when the
sandbox cannot be made, before anything ran. `--check` makes the sandbox and exits 0 without a command.
"""
import ctypes, fcntl, os, signal, socket, struct, sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, -100, 0x8000, 1
PR_SET_PDEATHSIG = 1

libc = ctypes.CDLL(None, use_errno=True)


def check(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, "%s: %s" % (what, os.strerror(e)))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read_only(path, on):
    """mount_setattr(2) over the whole tree at `path`: read-only (on) or writable (off)."""
    attr = ctypes.create_string_buffer(struct.pack("QQQQ", MOUNT_ATTR_RDONLY if on else 0, 0 if on else MOUNT_ATTR_RDONLY, 0, 0), 32)
    check(libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, os.fsencode(path), AT_RECURSIVE, attr, 32), ("read-only " if on else "writable ") + path)


def hide(path):
    """Covers `path` (not followed if it is a link): a folder with an empty read-only tmpfs, anything else with /dev/null."""
    if not os.path.lexists(path) or os.path.islink(path):
        return
    p = os.fsencode(path)
    if os.path.isdir(path):
        check(libc.mount(b"tmpfs", p, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k,mode=0555"), "hide " + path)
    else:
        check(libc.mount(b"/dev/null", p, None, MS_BIND, None), "hide " + path)


def loopback_up():
    """A new network namespace has only `lo`, and it is down: bring it up so tests can serve on localhost."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    finally:
        s.close()


def isolate(writable, hidden=()):
    uid, gid = os.getuid(), os.getgid()
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET), "unshare (unprivileged user namespaces)")
    write("/proc/self/setgroups", "deny")
    write("/proc/self/uid_map", "%d %d 1" % (uid, uid))
    write("/proc/self/gid_map", "%d %d 1" % (gid, gid))
    loopback_up()
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
    for w in writable:
        check(libc.mount(os.fsencode(w), os.fsencode(w), None, MS_BIND | MS_REC, None), "bind " + w)
    for h in hidden:
        hide(h)
    read_only("/", True)
    for w in writable:
        read_only(w, False)
    os.chdir(os.getcwd())  # the old working directory is the folder under the writable bind mount: step onto it


def main(argv):
    writable, hidden, cmd, only_check, i = [], [], [], False, 0
    while i < len(argv):
        a = argv[i]
        if a == "--writable" and i + 1 < len(argv):
            writable.append(os.path.realpath(argv[i + 1]))
            i += 2
        elif a == "--hide" and i + 1 < len(argv):
            hidden.append(os.path.abspath(argv[i + 1]))
            i += 2
        elif a == "--check":
            only_check, i = True, i + 1
        elif a == "--":
            cmd = argv[i + 1:]
            break
        else:
            sys.stderr.write("sandbox: usage: sandbox_exec.py --writable DIR ... -- COMMAND [ARG ...]\n")
            return 125
    if not cmd and not only_check:
        sys.stderr.write("sandbox: no command\n")
        return 125
    try:
        isolate(writable, hidden)
    except OSError as e:
        sys.stderr.write("sandbox: cannot isolate the command (%s)\n" % e)
        return 125
    if only_check:
        return 0
    pid = os.fork()  # the first process of the new PID namespace
    if pid == 0:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # this process killed: the namespace goes with it
        try:
            os.execvp(cmd[0], cmd)
        except OSError as e:
            sys.stderr.write("sandbox: %s: %s\n" % (cmd[0], e))
        os._exit(127)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, _f: os.kill(pid, n))
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
