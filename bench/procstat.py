#!/usr/bin/env python3
"""CPU and memory accounting for run.sh, from /proc (Linux only).

  procstat.py snap PID                 one JSON snapshot: machine CPU jiffies, the server's
                                       CPU time (PID and its live descendants: uvicorn's
                                       workers), the CPU time of each PostgreSQL process
                                       serving database $BENCH_DB (backends of other
                                       databases are left out: they are "other"), and that
                                       of $BENCH_ISSUER_PID (the JWT issuer a verifier
                                       under test points at) when set
  procstat.py cpu BEFORE AFTER TIMES…  JSON: cores used over the window by the server,
                                       the issuer, PostgreSQL, wrk (from the `times` files
                                       of the subshells that ran it) and everything else
  procstat.py mem PID                  JSON: VmRSS and VmHWM of PID, in KiB, summed over
                                       PID and its live descendants
"""
import json
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid, children=False):
    """utime + stime of a process (all its threads), in jiffies; 0 if it is gone. With
    children: plus the CPU time of the children it has reaped (cutime + cstime), which is
    how a compiler run that starts and ends inside the window still shows up, under its
    parent's name (cargo, make…)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        own = int(fields[11]) + int(fields[12])
        return own + int(fields[13]) + int(fields[14]) if children else own
    except (OSError, IndexError, ValueError):
        return 0


def ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[1]
    except (OSError, IndexError):
        return ""


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def serves_us(pid, database):
    """A PostgreSQL process that works for the benchmark: a backend connected to
    `database`, or a shared one (postmaster, WAL writer, checkpointer…). Backends of other
    databases on the machine are someone else's and count as "other"."""
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            title = f.read().replace("\0", " ").split()
    except OSError:
        return False
    # A backend's title: "postgres: [CLUSTER:] USER DATABASE HOST(PORT) STATE" (Debian
    # adds the cluster, "15/main:"); auxiliary processes have no HOST(PORT).
    if title and title[0] == "postgres:":
        for i, word in enumerate(title[2:], start=2):
            if "(" in word and word.endswith(")"):
                return not database or title[i - 1] == database
    return True


def descendants(root, parents):
    """`root` and every live process below it, from a {pid: ppid} map."""
    children = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [str(root)]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def all_parents():
    return {e: ppid(e) for e in os.listdir("/proc") if e.isdigit()}


def snap(pid):
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is inside user already)
    idle = cpu[3] + cpu[4]
    total = sum(cpu[:8])
    database = os.environ.get("BENCH_DB", "")
    issuer = os.environ.get("BENCH_ISSUER_PID", "")
    # The server is its process tree (a uvicorn master and its workers); each member's own
    # time, by pid, so a worker that exits in the window does not subtract its whole life.
    tree = descendants(pid, all_parents())
    server = {p: proc_cpu(p) for p in tree}
    # run.sh itself and this process: their children are wrk, counted apart.
    ours = {str(os.getpid()), str(os.getppid()), os.environ.get("BENCH_SELF", ""), issuer, *tree}
    postgres, procs = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry in ours:
            continue
        name = comm(entry)
        if name == "postgres" and serves_us(entry, database):
            postgres[entry] = proc_cpu(entry)
        elif name == "postgres":
            procs[entry] = [name, proc_cpu(entry), ppid(entry)]
        else:
            procs[entry] = [name, proc_cpu(entry, children=True), ppid(entry)]
    return {
        "t": time.monotonic(),
        "total": total,
        "busy": total - idle,
        "irq": cpu[5] + cpu[6],  # hard and soft interrupts: loopback TCP work lands here
        "steal": cpu[7],  # taken by the hypervisor
        "server": server,
        "issuer": proc_cpu(issuer) if issuer else None,
        "postgres": postgres,
        "procs": procs,
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


def times_children(path):
    """Children user+sys seconds from the output of bash's `times` builtin."""

    def secs(s):
        m, rest = s.rstrip("s").split("m")
        return int(m) * 60 + float(rest)

    try:
        lines = open(path).read().split("\n")
        user, system = lines[1].split()
        return secs(user) + secs(system)
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu(before_path, after_path, times_paths):
    b = json.load(open(before_path))
    a = json.load(open(after_path))
    wall = a["t"] - b["t"]
    ncpu = os.cpu_count() or 1
    # /proc/stat jiffies are summed over all CPUs.
    busy = (a["busy"] - b["busy"]) / HZ
    if isinstance(a["server"], dict):
        server = sum(max(v - b["server"].get(k, 0), 0) for k, v in a["server"].items()) / HZ
    else:  # a snapshot from before the server was a process tree
        server = (a["server"] - b["server"]) / HZ
    issuer = None
    if a.get("issuer") is not None and b.get("issuer") is not None:
        issuer = max(a["issuer"] - b["issuer"], 0) / HZ
    # Per process, so one that exits during the window does not subtract its whole life;
    # one that starts during it counts from zero.
    postgres = sum(max(v - b["postgres"].get(k, 0), 0) for k, v in a["postgres"].items()) / HZ
    wrk = sum(times_children(p) for p in times_paths)
    irq = (a.get("irq", 0) - b.get("irq", 0)) / HZ
    steal = (a.get("steal", 0) - b.get("steal", 0)) / HZ
    other = max(busy - server - (issuer or 0.0) - postgres - wrk, 0.0)
    # Who else ran: processes other than the server, its PostgreSQL backends and wrk
    # (wrk and the shell that runs it do not appear: they exit inside the window).
    # A process that exits in the window hands its whole life's CPU to its parent's
    # children time; what it had used before the window is taken back from the parent.
    others = {}
    pa, pb = b.get("procs", {}), a.get("procs", {})  # before, after
    for k, (name, v, _) in pb.items():
        others[name] = others.get(name, 0) + (v - pa.get(k, [name, 0])[1]) / HZ
    for k, (name, v, parent) in pa.items():
        if k not in pb:
            # Whoever reaped it: its parent, or, if the parent died too (the orphan was
            # re-parented), the nearest ancestor still alive, as Linux re-parents orphans
            # to the nearest subreaper above them.
            seen = set()
            while parent and parent not in pb and parent in pa and parent not in seen:
                seen.add(parent)
                parent = pa[parent][2]
            owner = pb[parent][0] if parent in pb else name
            others[owner] = others.get(owner, 0) - v / HZ
    others = {k: v for k, v in others.items() if v > 0}
    per = lambda s: round(100 * s / wall, 1)  # % of one core
    top = sorted(others.items(), key=lambda kv: -kv[1])[:4]
    result = {
        "wall_s": round(wall, 2),
        "cores": ncpu,
        "server_pct": per(server),
        "postgres_pct": per(postgres),
        "wrk_pct": per(wrk),
        "other_pct": per(other),
        "irq_pct": per(irq),
        "steal_pct": per(steal),
        "other_processes_pct": per(sum(others.values())),
        "top_other": {name: per(v) for name, v in top if per(v) >= 1},
        "idle_pct": per(max(ncpu * wall - busy, 0.0)),
        "loadavg_before": b["loadavg"],
    }
    if issuer is not None:
        result["issuer_pct"] = per(issuer)
    return result


def mem(pid):
    """VmRSS and VmHWM summed over the process tree (one process but for uvicorn's
    workers; a sum of peaks, so an upper bound on the tree's peak)."""
    out = {"VmRSS": 0, "VmHWM": 0}
    for member in descendants(pid, all_parents()):
        try:
            with open(f"/proc/{member}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in out:
                        out[key] += int(value.split()[0])
        except OSError:
            pass
    out["processes"] = len(descendants(pid, all_parents()))
    return out


def main(argv):
    if len(argv) == 3 and argv[1] == "snap":
        print(json.dumps(snap(argv[2])))
    elif len(argv) >= 4 and argv[1] == "cpu":
        print(json.dumps(cpu(argv[2], argv[3], argv[4:])))
    elif len(argv) == 3 and argv[1] == "mem":
        print(json.dumps(mem(argv[2])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
