#!/usr/bin/env python3
"""Markdown tables from a bench/results/<stamp>/ directory (results.jsonl + machine.txt).

    python3 bench/report.py bench/results/latest
"""
import json
import sys
from pathlib import Path

NAMES = {
    "lectern-pg": "Lectern, PostgreSQL (scrypt)",
    "lectern-pg-nocache": "Lectern, PostgreSQL, session cache off",
    "lectern-sqlite": "Lectern, SQLite (scrypt)",
    "lectern-pg-argon2id": "Lectern, PostgreSQL (argon2id)",
    "lectern-pg-hash1": "Lectern, PostgreSQL (scrypt, 1 hash thread)",
    "lectern-pg-schedidle": "Lectern, PostgreSQL (scrypt, hash threads SCHED_IDLE)",
    "peer": "Better Auth 1.7 peer, PostgreSQL (scrypt)",
}
LECTERNS = ["lectern-pg", "lectern-pg-nocache", "lectern-sqlite"]


def ms(us):
    if us is None:
        return "–"
    return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def lat(w, key):
    """A latency from wrk's summary; wrk records none when no request completed."""
    if w is None:
        return "–"
    if w["requests"] == 0:
        return f"none in {w['duration_s']:.0f} s"
    return ms(w["latency_us"][key])


def ratio_p99(alone, storm):
    if storm["requests"] == 0:
        return "∞ (none completed)"
    if not alone["requests"]:
        return "–"
    return f"{storm['latency_us']['p99'] / alone['latency_us']['p99']:.2f}×"


def num(x, digits=0):
    return "–" if x is None else f"{x:,.{digits}f}"


def ok_count(w):
    """2xx responses, when the script counted status codes; else all minus wrk's non-2xx/3xx."""
    if w is None:
        return None
    if "statuses" in w:
        return sum(n for code, n in w["statuses"].items() if code.startswith("2"))
    return w["requests"] - w["errors"]["status"]


def non2xx(w):
    if w is None:
        return "–"
    e = w["errors"]
    parts = []
    if "statuses" in w:
        for code, n in sorted(w["statuses"].items()):
            if not code.startswith("2"):
                parts.append(f"{n}×{code}")
        if w.get("retry_after"):
            parts.append(f"{w['retry_after']} with Retry-After")
    elif e["status"]:
        parts.append(f"{e['status']} non-2xx")
    socket = {k: e[k] for k in ("connect", "read", "write", "timeout") if e[k]}
    parts += [f"{n} {k} err" for k, n in socket.items()]
    return ", ".join(parts) or "0"


def cpu(c):
    return (
        f"{c['server_pct']:.0f} / {c['postgres_pct']:.0f} / {c['wrk_pct']:.0f} / "
        f"{c['other_pct']:.0f} / {c['idle_pct']:.0f}"
    )


def main(directory):
    d = Path(directory)
    rows = [json.loads(line) for line in (d / "results.jsonl").read_text().splitlines() if line]
    by = {(r["target"], r["scenario"]): r for r in rows}
    targets = [t for t in NAMES if any(r["target"] == t for r in rows)]
    out = []
    p = out.append
    machine = (d / "machine.txt").read_text() if (d / "machine.txt").exists() else ""
    settings = next((l for l in machine.splitlines() if l.startswith("settings:")), "")

    p(f"Results: `{d}`  ")
    p(f"{settings}  ")
    p("CPU columns: % of one core used by the server / PostgreSQL (the backends serving its database, and PostgreSQL's shared processes) / wrk / everything else / idle, over the measured window (200% = the whole 2-core machine).")
    p("")

    p("### 1. get-session, valid cookie")
    p("")
    p("| Server | req/s | p50 | p90 | p99 | max | errors | CPU srv/pg/wrk/other/idle % |")
    p("|---|---:|---:|---:|---:|---:|---|---|")
    for t in targets:
        r = by.get((t, "s1-get-session"))
        if not r or not r["wrk"]:
            continue
        w, l = r["wrk"], r["wrk"]["latency_us"]
        p(f"| {NAMES[t]} | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {cpu(r['cpu'])} |")
    p("")

    p("### 2. sign-in/email throughput")
    p("")
    p("| Server | sign-ins/s (2xx) | p50 | p90 | p99 | max | non-2xx / errors | CPU srv/pg/wrk/other/idle % |")
    p("|---|---:|---:|---:|---:|---:|---|---|")
    for t in targets:
        r = by.get((t, "s2-sign-in"))
        if not r or not r["wrk"]:
            continue
        w, l = r["wrk"], r["wrk"]["latency_us"]
        p(f"| {NAMES[t]} | {num(ok_count(w) / w['duration_s'], 1)} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {cpu(r['cpu'])} |")
    p("")

    heavy = settings.split("heavy_storm_conns=")[1].split()[0] if "heavy_storm_conns=" in settings else "?"
    light = settings.split("signin_conns=")[1].split()[0] if "signin_conns=" in settings else "?"
    p("### 3. get-session during a sign-in storm")
    p("")
    p("| Server | sign-in storm | get-session req/s | p50 | p99 | max | p99 vs alone | storm sign-ins/s (2xx) | storm sign-in non-2xx / errors | CPU srv/pg/wrk/other/idle % |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for t in targets:
        a = by.get((t, "s3-get-session-alone"))
        if not a or not a["wrk"]:
            continue
        la = a["wrk"]["latency_us"]
        p(f"| {NAMES[t]} | none | {num(a['wrk']['rps'])} | {lat(a['wrk'], 'p50')} | {lat(a['wrk'], 'p99')} | {lat(a['wrk'], 'max')} | 1× | – | {non2xx(a['wrk'])} (get-session) | {cpu(a['cpu'])} |")
        for label, conns in (("s3", light), ("s3-heavy", heavy)):
            s_, si = by.get((t, f"{label}-get-session-storm")), by.get((t, f"{label}-sign-in-storm"))
            if not s_ or not s_["wrk"]:
                continue
            w = s_["wrk"]
            ratio = ratio_p99(a["wrk"], w)
            sw = si["wrk"] if si else None
            sign_ins = num(ok_count(sw) / sw["duration_s"], 1) if sw else "–"
            gs_err = non2xx(w)
            extra = "" if gs_err == "0" else f"; get-session: {gs_err}"
            p(f"| {NAMES[t]} | {conns} connections | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p99')} | {lat(w, 'max')} | {ratio} | {sign_ins} | {non2xx(sw)}{extra} | {cpu(s_['cpu'])} |")
    p("")

    p("### 4. Memory (resident set of the server process; PostgreSQL not included)")
    p("")
    p("| Server | idle after start (VmRSS) | peak over the run (VmHWM) | after the run (VmRSS) | PostgreSQL connections opened during the scenarios |")
    p("|---|---:|---:|---:|---:|")
    for t in targets:
        r = by.get((t, "memory"))
        if not r:
            continue
        mib = lambda kb: f"{kb / 1024:.1f} MiB"
        ps = r.get("pg_sessions") or [None, None]
        opened = "–" if None in ps else str(ps[1] - ps[0])
        p(f"| {NAMES[t]} | {mib(r['idle']['VmRSS'])} | {mib(r['end']['VmHWM'])} | {mib(r['end']['VmRSS'])} | {opened} |")
    p("")

    p("### Other load on the machine during each measurement")
    p("")
    p("\"other\" above = interrupts (loopback TCP is processed in softirq) + hypervisor steal + other processes + short-lived processes (the shell, the snapshots). Listed where other processes used more than 10% of a core.")
    p("")
    p("| Server | measurement | other % | irq % | steal % | other processes % | busiest |")
    p("|---|---|---:|---:|---:|---:|---|")
    noisy = 0
    for r in rows:
        c = r.get("cpu")
        if not c or "other_processes_pct" not in c:
            continue
        if c["other_processes_pct"] > 10:
            noisy += 1
            top = ", ".join(f"{k} {v:.0f}%" for k, v in c.get("top_other", {}).items())
            p(f"| {NAMES.get(r['target'], r['target'])} | {r['scenario']} | {c['other_pct']:.0f} | {c['irq_pct']:.0f} | {c['steal_pct']:.0f} | {c['other_processes_pct']:.0f} | {top} |")
    if not noisy:
        p("| (none) | | | | | | |")
    p("")

    # The targets.
    p("### Targets")
    p("")
    peer1 = by.get(("peer", "s1-get-session"))
    for t in LECTERNS:
        r = by.get((t, "s1-get-session"))
        if r and r["wrk"] and peer1 and peer1["wrk"]:
            x = r["wrk"]["rps"] / peer1["wrk"]["rps"]
            p(f"- 1. {NAMES[t]}: {x:.1f}× the peer's get-session req/s (target ≥ 10×): {'met' if x >= 10 else 'NOT met'}")
        if r and r["wrk"]:
            p99 = r["wrk"]["latency_us"]["p99"]
            p(f"- 1. {NAMES[t]}: get-session p99 {ms(p99)} at {settings.split('gs_conns=')[1].split()[0] if 'gs_conns=' in settings else '?'} connections (target < 5 ms): {'met' if p99 < 5000 else 'NOT met'}")
    peer2 = by.get(("peer", "s2-sign-in"))
    for t in LECTERNS + ["lectern-pg-hash1", "lectern-pg-schedidle", "lectern-pg-argon2id"]:
        r = by.get((t, "s2-sign-in"))
        if r and r["wrk"] and peer2 and peer2["wrk"]:
            a = ok_count(r["wrk"]) / r["wrk"]["duration_s"]
            b = ok_count(peer2["wrk"]) / peer2["wrk"]["duration_s"]
            note = " (different hash; for information)" if t == "lectern-pg-argon2id" else " (target ≥ peer)"
            verdict = "" if t == "lectern-pg-argon2id" else (": met" if a >= b else ": NOT met")
            p(f"- 2. {NAMES[t]}: {a:.1f} sign-ins/s vs the peer's {b:.1f} = {a / b:.2f}×{note}{verdict}")
    for t in targets:
        a = by.get((t, "s3-get-session-alone"))
        for label, conns in (("s3", light), ("s3-heavy", heavy)):
            st = by.get((t, f"{label}-get-session-storm"))
            if not (a and st and a["wrk"] and st["wrk"]):
                continue
            r = ratio_p99(a["wrk"], st["wrk"])
            verdict = ""
            if t != "peer" and st["wrk"]["requests"]:
                verdict = ": met" if st["wrk"]["latency_us"]["p99"] <= 2 * a["wrk"]["latency_us"]["p99"] else ": NOT met"
            elif t != "peer":
                verdict = ": NOT met"
            tag = "3." if label == "s3" else "3b."
            p(f"- {tag} {NAMES[t]}, storm of {conns} sign-in connections: get-session p99 {lat(a['wrk'], 'p99')} alone, {lat(st['wrk'], 'p99')} in the storm = {r} (target ≤ 2×){verdict}")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest")
