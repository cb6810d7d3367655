#!/usr/bin/env python3
"""Load client for bench/durability.sh: one Lectern server, a fixed number of each write.

  python3 bench/durability.py URL MODE RUN OUT.jsonl

Standard library only (asyncio streams, HTTP/1.1 keep-alive), so no virtual environment
is needed. Every operation sends a fixed number of requests over DURABILITY_CONNS
connections and records each request's latency; one JSON line per operation goes to
OUT.jsonl: {"mode","run","op","n","ok","seconds","rps","p50_ms","p99_ms","client_cpu_s"}.

Phases, in order, on a fresh database:
  sign-up   DURABILITY_USERS sign-ups with unique emails (the sign-in pool)
  sign-in   DURABILITY_SESSIONS sign-ins over that pool; every session token is kept
  chat      DURABILITY_CHATS POST /api/chats {"title":"x"} by one reader past the
            questionnaire (signed up and PUT /api/user/profile beforehand, not measured)
  sign-out  DURABILITY_SESSIONS sign-outs, each with its own live session (bearer)
Any answer but 2xx fails the run. After sign-out, the session table must have lost exactly
DURABILITY_SESSIONS rows (read from the SQLite file given as DURABILITY_DB), so no sign-out
hit an already dead session, which writes nothing.
"""

import asyncio
import json
import os
import resource
import sqlite3
import sys
import time
import urllib.parse

PASSWORD = "durability-password-0123456789"
ANSWERS = {
    "softwareExperience": "beginner",
    "operatingSystem": "linux",
    "gpu": "none",
    "roboticsHardware": ["none"],
}


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host, port, origin):
        self.host, self.port, self.origin = host, port, origin
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, body=None, bearer=None):
        data = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Origin: {self.origin}",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        if bearer:
            head.append(f"Authorization: Bearer {bearer}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            payload = b"".join(chunks)
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, payload

    def close(self):
        if self.writer:
            self.writer.close()


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


async def measure(url, conns, requests):
    """Sends `requests` (a list of (method, path, body, bearer)) over `conns` connections;
    returns (results in order, latencies in seconds, wall seconds, client CPU seconds)."""
    parsed = urllib.parse.urlsplit(url)
    origin = f"{parsed.scheme}://{parsed.netloc}"
    pool = [Conn(parsed.hostname, parsed.port, origin) for _ in range(min(conns, len(requests)))]
    for c in pool:
        await c.open()
    results = [None] * len(requests)
    latencies = []
    next_index = 0

    async def worker(conn):
        nonlocal next_index
        while next_index < len(requests):
            i = next_index
            next_index += 1
            method, path, body, bearer = requests[i]
            start = time.perf_counter()
            results[i] = await conn.request(method, path, body, bearer)
            latencies.append(time.perf_counter() - start)

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    for c in pool:
        c.close()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return results, latencies, wall, cpu


def summary(mode, run, op, results, latencies, wall, cpu):
    ok = sum(1 for status, _, _ in results if 200 <= status < 300)
    lat = sorted(latencies)
    return {
        "mode": mode,
        "run": run,
        "op": op,
        "n": len(results),
        "ok": ok,
        "seconds": round(wall, 3),
        "rps": round(len(results) / wall, 1),
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "client_cpu_s": round(cpu, 2),
    }


def check(op, results):
    bad = [(s, p[:200]) for s, _, p in results if not 200 <= s < 300]
    if bad:
        sys.exit(f"{op}: {len(bad)} of {len(results)} answers were not 2xx, e.g. {bad[0]}")


def session_rows(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("select count(*) from session").fetchone()[0]
    finally:
        con.close()


async def main():
    url, mode, run, out = sys.argv[1:5]
    conns = int(os.environ.get("DURABILITY_CONNS", "8"))
    users = int(os.environ.get("DURABILITY_USERS", "200"))
    sessions = int(os.environ.get("DURABILITY_SESSIONS", "1000"))
    chats = int(os.environ.get("DURABILITY_CHATS", "3000"))
    db = os.environ["DURABILITY_DB"]
    lines = []

    def record(op, measured):
        results = measured[0]
        check(op, results)
        line = summary(mode, run, op, *measured)
        lines.append(line)
        print(
            f"  {mode} run {run} {op:9} {line['n']:5} requests  {line['rps']:8.1f}/s  "
            f"p50 {line['p50_ms']:7.2f} ms  p99 {line['p99_ms']:7.2f} ms  "
            f"(client CPU {line['client_cpu_s']} s of {line['seconds']} s)",
            file=sys.stderr,
        )
        return results

    emails = [f"durability-{mode}-{run}-{i}@example.com" for i in range(users)]
    record("sign-up", await measure(url, conns, [
        ("POST", "/api/auth/sign-up/email", {"name": f"Reader {i}", "email": e, "password": PASSWORD}, None)
        for i, e in enumerate(emails)
    ]))

    signed_in = record("sign-in", await measure(url, conns, [
        ("POST", "/api/auth/sign-in/email", {"email": emails[i % users], "password": PASSWORD}, None)
        for i in range(sessions)
    ]))
    tokens = [h.get("set-auth-token") for _, h, _ in signed_in]
    if not all(tokens) or len(set(tokens)) != sessions:
        sys.exit("sign-in: expected one distinct set-auth-token per sign-in")

    # The reader who creates chats: a session of its own, past the questionnaire.
    (status, headers, body), = (await measure(url, 1, [
        ("POST", "/api/auth/sign-up/email",
         {"name": "Chat reader", "email": f"durability-{mode}-{run}-reader@example.com", "password": PASSWORD}, None)
    ]))[0]
    reader = headers.get("set-auth-token")
    if status != 200 or not reader:
        sys.exit(f"reader sign-up: {status} {body[:200]}")
    (status, _, body), = (await measure(url, 1, [
        ("PUT", "/api/user/profile", {"answers": ANSWERS}, reader)
    ]))[0]
    if not 200 <= status < 300:
        sys.exit(f"PUT /api/user/profile: {status} {body[:300]}")
    record("chat", await measure(url, conns, [
        ("POST", "/api/chats", {"title": "x"}, reader) for _ in range(chats)
    ]))

    before = session_rows(db)
    record("sign-out", await measure(url, conns, [
        ("POST", "/api/auth/sign-out", {}, token) for token in tokens
    ]))
    after = session_rows(db)
    if before - after != sessions:
        sys.exit(f"sign-out: the session table lost {before - after} rows, not {sessions}")

    with open(out, "a") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
