#!/usr/bin/env node
// node wait-ready.mjs URL PID NAME
// Polls URL/api/auth/ok until it answers 200: at most 100 tries, 100 ms apart (plus a
// 1 s per-request timeout), so a hung server cannot stall CI. Fails at once if the
// process PID has exited, since then it will never become ready.
const [url, pid, name = url] = process.argv.slice(2);
const TRIES = Number(process.env.COMPAT_READY_TRIES || 100);
for (let i = 0; i < TRIES; i++) {
  try { process.kill(Number(pid), 0); } catch {
    console.error(`${name}: process ${pid} exited before it was ready (see its log)`);
    process.exit(1);
  }
  try {
    const res = await fetch(`${url}/api/auth/ok`, { signal: AbortSignal.timeout(1000) });
    if (res.status === 200) process.exit(0);
  } catch { /* not listening yet */ }
  await new Promise((r) => setTimeout(r, 100));
}
console.error(`${name}: ${url}/api/auth/ok did not answer 200 after ${TRIES} tries`);
process.exit(1);
