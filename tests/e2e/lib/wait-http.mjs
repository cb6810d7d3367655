#!/usr/bin/env node
// node wait-http.mjs NAME URL PID [TRIES]: polls URL until it answers 200, at most TRIES
// (default 300) times 100 ms apart with a 2 s limit per request, and fails at once when the
// process PID has exited (it would never become ready).
const [name, url, pid, tries = "300"] = process.argv.slice(2);
let last = "no answer";
for (let i = 0; i < Number(tries); i++) {
  try {
    process.kill(Number(pid), 0);
  } catch {
    console.error(`e2e: ${name} (pid ${pid}) exited before ${url} answered 200 (see its log)`);
    process.exit(1);
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (res.status === 200) process.exit(0);
    last = `HTTP ${res.status}`;
  } catch (e) {
    last = e.cause?.code || e.message;
  }
  await new Promise((r) => setTimeout(r, 100));
}
console.error(`e2e: ${name}: ${url} did not answer 200 after ${tries} tries (last: ${last})`);
process.exit(1);
