#!/usr/bin/env node
// node seed-user.mjs BASE_URL: signs one user up, so the database holds a Better Auth
// scrypt hash before Lectern starts (Lectern picks its password format at start-up from
// what the database already holds; cross-server.test.mjs checks it picked scrypt).
const base = process.argv[2];
const res = await fetch(`${base}/api/auth/sign-up/email`, {
  method: "POST",
  // Origin: Node's fetch sends sec-fetch-mode, which makes Better Auth demand a trusted one.
  headers: { "content-type": "application/json", origin: new URL(base).origin },
  body: JSON.stringify({ name: "seed", email: `seed-${Date.now()}@example.com`, password: "seed password 1" }),
  signal: AbortSignal.timeout(15000),
});
if (res.status !== 200) {
  console.error(`seeding a user on ${base} failed: ${res.status} ${await res.text()}`);
  process.exit(1);
}
