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
    "lectern-api": "Lectern --role api, JWKS over HTTP (cached)",
    "fastapi-w1": "FastAPI + PyJWT peer, 1 uvicorn worker",
    "fastapi-w2": "FastAPI + PyJWT peer, 2 uvicorn workers",
    "peer": "Better Auth 1.7 peer, PostgreSQL (scrypt)",
}
LECTERNS = ["lectern-pg", "lectern-pg-nocache", "lectern-sqlite"]
# The token tables name the role rather than the password hash.
TOKEN_NAMES = {
    "lectern-pg": "Lectern --role all, PostgreSQL (keys read in process)",
    "peer": "Better Auth 1.7 peer, PostgreSQL",
}


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


def cpu_issuer(c):
    """As cpu(), with the issuer a verifier points at (– when there is none)."""
    issuer = f"{c['issuer_pct']:.0f}" if "issuer_pct" in c else "–"
    return (
        f"{c['server_pct']:.0f} / {issuer} / {c['postgres_pct']:.0f} / {c['wrk_pct']:.0f} / "
        f"{c['other_pct']:.0f} / {c['idle_pct']:.0f}"
    )


def us_per_request(c, w):
    """CPU µs the server spent per answered request."""
    if not w or not w["requests"]:
        return "–"
    return f"{c['server_pct'] / 100 * c['wall_s'] * 1e6 / w['requests']:.0f}"


def table(out, title, header, rows, note=None):
    """A titled Markdown table; nothing at all when it has no rows (a partial run)."""
    if not rows:
        return
    out.append(f"### {title}")
    out.append("")
    if note:
        out += [note, ""]
    out.append("| " + " | ".join(h for h, _ in header) + " |")
    out.append("|" + "|".join("---:" if right else "---" for _, right in header) + "|")
    out += rows
    out.append("")


def main(directory):
    d = Path(directory)
    rows = [json.loads(line) for line in (d / "results.jsonl").read_text().splitlines() if line]
    by = {(r["target"], r["scenario"]): r for r in rows}
    targets = [t for t in NAMES if any(r["target"] == t for r in rows)]
    out = []
    p = out.append
    machine = (d / "machine.txt").read_text() if (d / "machine.txt").exists() else ""
    settings = next((l for l in machine.splitlines() if l.startswith("settings:")), "")
    setting = lambda key: settings.split(f" {key}=")[1].split()[0] if f" {key}=" in settings else "?"

    p(f"Results: `{d}`  ")
    p(f"{settings}  ")
    p("CPU columns: % of one core used by the server / PostgreSQL (the backends serving its database, and PostgreSQL's shared processes) / wrk / everything else / idle, over the measured window (200% = the whole 2-core machine).")
    p("")

    lines = []
    for t in targets:
        r = by.get((t, "s1-get-session"))
        if not r or not r["wrk"]:
            continue
        w = r["wrk"]
        lines.append(f"| {NAMES[t]} | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {cpu(r['cpu'])} |")
    table(out, "1. get-session, valid cookie",
          [("Server", 0), ("req/s", 1), ("p50", 1), ("p90", 1), ("p99", 1), ("max", 1), ("errors", 0), ("CPU srv/pg/wrk/other/idle %", 0)], lines)

    lines = []
    for t in targets:
        r = by.get((t, "s2-sign-in"))
        if not r or not r["wrk"]:
            continue
        w = r["wrk"]
        lines.append(f"| {NAMES[t]} | {num(ok_count(w) / w['duration_s'], 1)} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {cpu(r['cpu'])} |")
    table(out, "2. sign-in/email throughput",
          [("Server", 0), ("sign-ins/s (2xx)", 1), ("p50", 1), ("p90", 1), ("p99", 1), ("max", 1), ("non-2xx / errors", 0), ("CPU srv/pg/wrk/other/idle %", 0)], lines)

    heavy, light = setting("heavy_storm_conns"), setting("signin_conns")
    lines = []
    for t in targets:
        a = by.get((t, "s3-get-session-alone"))
        if not a or not a["wrk"]:
            continue
        lines.append(f"| {NAMES[t]} | none | {num(a['wrk']['rps'])} | {lat(a['wrk'], 'p50')} | {lat(a['wrk'], 'p99')} | {lat(a['wrk'], 'max')} | 1× | – | {non2xx(a['wrk'])} (get-session) | {cpu(a['cpu'])} |")
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
            lines.append(f"| {NAMES[t]} | {conns} connections | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p99')} | {lat(w, 'max')} | {ratio} | {sign_ins} | {non2xx(sw)}{extra} | {cpu(s_['cpu'])} |")
    table(out, "3. get-session during a sign-in storm",
          [("Server", 0), ("sign-in storm", 0), ("get-session req/s", 1), ("p50", 1), ("p99", 1), ("max", 1), ("p99 vs alone", 1), ("storm sign-ins/s (2xx)", 1), ("storm sign-in non-2xx / errors", 0), ("CPU srv/pg/wrk/other/idle %", 0)], lines)

    lines = []
    for t in targets:
        r = by.get((t, "memory"))
        if not r:
            continue
        mib = lambda kb: f"{kb / 1024:.1f} MiB"
        ps = r.get("pg_sessions") or [None, None]
        opened = "–" if None in ps else str(ps[1] - ps[0])
        procs = r["end"].get("processes", 1)
        name = NAMES[t] + (f" ({procs} processes, summed)" if procs > 1 else "")
        lines.append(f"| {name} | {mib(r['idle']['VmRSS'])} | {mib(r['end']['VmHWM'])} | {mib(r['end']['VmRSS'])} | {opened} |")
    table(out, "4. Memory (resident set of the server process; PostgreSQL not included)",
          [("Server", 0), ("idle after start (VmRSS)", 1), ("peak over the run (VmHWM)", 1), ("after the run (VmRSS)", 1), ("PostgreSQL connections opened during the scenarios", 1)], lines)

    # Issue 3: tokens.
    token_conns = setting("token_conns")
    lines = []
    for t in targets:
        r = by.get((t, "s5-token"))
        if not r or not r["wrk"]:
            continue
        w = r["wrk"]
        lines.append(f"| {TOKEN_NAMES.get(t, NAMES[t])} | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {us_per_request(r['cpu'], w)} | {cpu(r['cpu'])} |")
    table(out, f"5. GET /api/auth/token with the session cookie (issuing), {token_conns} connections",
          [("Server", 0), ("req/s", 1), ("p50", 1), ("p90", 1), ("p99", 1), ("max", 1), ("errors", 0), ("server CPU µs/req", 1), ("CPU srv/pg/wrk/other/idle %", 0)], lines)

    lines = []
    for t in targets:
        for scenario, how in (
            ("s6n-me-jwt-noprofile", "Bearer JWT; reader without a profile (6n)"),
            ("s6-me-jwt", "Bearer JWT" if t.startswith("fastapi") else "Bearer JWT; reader with a profile"),
            ("s6-me-cookie", "session cookie, with a profile (6c, for comparison)"),
        ):
            r = by.get((t, scenario))
            if not r or not r["wrk"]:
                continue
            w = r["wrk"]
            lines.append(f"| {TOKEN_NAMES.get(t, NAMES[t])} | {how} | {num(w['rps'])} | {lat(w, 'p50')} | {lat(w, 'p90')} | {lat(w, 'p99')} | {lat(w, 'max')} | {non2xx(w)} | {us_per_request(r['cpu'], w)} | {cpu_issuer(r['cpu'])} |")
    table(out, f"6. GET /api/me (verification), {token_conns} connections",
          [("Server", 0), ("credential", 0), ("req/s", 1), ("p50", 1), ("p90", 1), ("p99", 1), ("max", 1), ("errors", 0), ("server CPU µs/req", 1), ("CPU srv/issuer/pg/wrk/other/idle %", 0)], lines,
          note="The verifiers under test check EdDSA JWTs of one Lectern `--role auth` issuer (its JWKS fetched over HTTP and cached); `--role all` checks its own tokens against its key table, read in process. \"issuer\" is that issuer's CPU (– where there is none); \"pg\" the issuer's database.")

    p("### Other load on the machine during each measurement")
    p("")
    p("\"other\" above = interrupts (loopback TCP is processed in softirq) + hypervisor steal + other processes + short-lived processes (the shell, the snapshots). Listed where other processes used more than 10% of a core.")
    p("")
    p("| Server | measurement | other % | irq % | steal % | other processes % | busiest | loadavg before |")
    p("|---|---|---:|---:|---:|---:|---|---|")
    noisy = 0
    for r in rows:
        c = r.get("cpu")
        if not c or "other_processes_pct" not in c:
            continue
        if c["other_processes_pct"] > 10:
            noisy += 1
            top = ", ".join(f"{k} {v:.0f}%" for k, v in c.get("top_other", {}).items())
            p(f"| {NAMES.get(r['target'], r['target'])} | {r['scenario']} | {c['other_pct']:.0f} | {c['irq_pct']:.0f} | {c['steal_pct']:.0f} | {c['other_processes_pct']:.0f} | {top} | {' '.join(c.get('loadavg_before', []))} |")
    if not noisy:
        p("| (none) | | | | | | | |")
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
            p(f"- 1. {NAMES[t]}: get-session p99 {ms(p99)} at {setting('gs_conns')} connections (target < 5 ms): {'met' if p99 < 5000 else 'NOT met'}")
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

    # Issue 3: issuing ≥ 10× Better Auth; /api/me ≥ 20× the better FastAPI, p99 < 2 ms.
    def ok2xx(r):
        return r["wrk"]["requests"] - r["wrk"]["errors"]["status"] if r and r["wrk"] else None

    lt, pt = by.get(("lectern-pg", "s5-token")), by.get(("peer", "s5-token"))
    if lt and pt and lt["wrk"] and pt["wrk"] and pt["wrk"]["rps"]:
        x = lt["wrk"]["rps"] / pt["wrk"]["rps"]
        p(f"- 5. GET /api/auth/token: Lectern {num(lt['wrk']['rps'])}/s vs Better Auth {num(pt['wrk']['rps'])}/s = {x:.1f}× (target ≥ 10×): {'met' if x >= 10 else 'NOT met'}")
    fast = [by.get((t, "s6-me-jwt")) for t in ("fastapi-w1", "fastapi-w2")]
    fast = [r for r in fast if r and r["wrk"] and r["wrk"]["requests"]]
    best = max(fast, key=lambda r: r["wrk"]["rps"]) if fast else None
    for t, scenario in (("lectern-pg", "s6-me-jwt"), ("lectern-api", "s6-me-jwt"),
                        ("lectern-pg", "s6n-me-jwt-noprofile"), ("lectern-api", "s6n-me-jwt-noprofile")):
        r = by.get((t, scenario))
        if not (r and r["wrk"] and r["wrk"]["requests"]):
            continue
        name = TOKEN_NAMES.get(t, NAMES[t]) + (", reader without a profile" if "noprofile" in scenario else ", reader with a profile")
        if best:
            x = r["wrk"]["rps"] / best["wrk"]["rps"]
            p(f"- 6. {name}: /api/me with a JWT {num(r['wrk']['rps'])}/s vs the better FastAPI ({NAMES[best['target']]}, {num(best['wrk']['rps'])}/s) = {x:.1f}× (target ≥ 20×): {'met' if x >= 20 else 'NOT met'}")
            mine, theirs = us_per_request(r["cpu"], r["wrk"]), us_per_request(best["cpu"], best["wrk"])
            if mine != "–" and theirs != "–":
                p(f"  - server CPU per request: {mine} µs vs {theirs} µs = {float(theirs) / float(mine):.1f}× less")
        p99 = r["wrk"]["latency_us"]["p99"]
        p(f"- 6. {name}: /api/me p99 {ms(p99)} at {token_conns} connections (target < 2 ms): {'met' if p99 < 2000 else 'NOT met'}")
        if r["wrk"]["errors"]["status"]:
            p(f"  - {r['wrk']['errors']['status']} non-2xx answers")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest")
