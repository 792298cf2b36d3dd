"""Reward Lens: the file-system sandbox of untrusted code, and a command runner built on it.

    python3 -I sandbox_exec.py --writable DIR [--writable DIR ...] [--hide PATH ...] -- COMMAND [ARG ...]

As a command, started by src/worker/patch/testRunner.ts for the patch `tests` reward: the test command runs the
model's code, so it must not write anywhere but its temporary copy of the workspace (and a temporary folder for
caches). Linux only, no privileges: a new user namespace in which the caller's uid and gid map to themselves (the
command runs as the user, not as root), a network namespace with only the loopback (tests can serve and connect on
localhost; nothing leaves the machine), a mount namespace in which the whole tree is read-only but the given folders
(read_only_except), and a PID namespace whose first process is the command, so that when it ends, or this process
is killed, everything it started ends too (a setsid'd process included). Each --hide path is covered (hide): a
folder by an empty read-only one, a file or socket by /dev/null. A read-only mount does not stop connect(2) to a
socket, and some sockets run commands outside any sandbox (the session bus's systemd-run, the docker daemon), so the
caller hides them.

As a library, loaded by path by src/worker/chart/mpl_harness.py, inside the namespaces `unshare -rnmpf` made for
it: read_only_except() and hide().

Exit status: the command's (128 + n when a signal n ended it); 125 with one "sandbox: ..." line on stderr when the
sandbox cannot be made, before anything ran. `--check` makes the sandbox and exits 0 without a command.
"""
import ctypes, fcntl, os, re, signal, socket, struct, sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_NOATIME, MS_NODIRATIME = 1, 2, 4, 8, 32, 1024, 2048
MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 0x1000, 0x4000, 0x40000, 1 << 21
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


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return sorted(set(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split(" ")[4]) for line in f))


def read_only_except(writable):
    """Inside a private mount namespace: every mount read-only but the `writable` folders (each bound onto itself
    first, so it is a mount of its own). mount_setattr(2) (Linux 5.12) does the whole tree at once; older kernels
    remount each mount point, keeping the flags a user namespace may not clear. The working directory is stepped onto
    its bind mount (the old one is the folder under it)."""
    for w in writable:
        check(libc.mount(os.fsencode(w), os.fsencode(w), None, MS_BIND | MS_REC, None), "bind " + w)
    attr = ctypes.create_string_buffer(struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0), 32)
    if libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE, attr, 32) == 0:
        for w in writable:
            read_only(w, False)
    else:
        inside = lambda p: any(p == w or p.startswith(w.rstrip(os.sep) + os.sep) for w in writable)
        for mp in mount_points():
            if inside(mp):
                continue
            try:
                fl = os.statvfs(mp).f_flag
            except OSError:
                continue
            keep = 0
            for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
                if fl & st:
                    keep |= ms
            if not fl & os.ST_RDONLY:
                check(libc.mount(None, os.fsencode(mp), None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, None), "remount read-only " + mp)
    os.chdir(os.getcwd())


def hide(path):
    """Covers what `path` names (a link is followed: a symlinked SSH_AUTH_SOCK is the socket): a folder with an empty
    read-only tmpfs, anything else with /dev/null. Nothing there: nothing to do."""
    path = os.path.realpath(path)
    if not os.path.exists(path):
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
    for h in hidden:
        hide(h)
    read_only_except(writable)


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
