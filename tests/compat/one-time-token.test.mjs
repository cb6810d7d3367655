// Better Auth's one-time-token plugin with the official client (`oneTimeTokenClient`), on
// Lectern and on the peer configured with `oneTimeToken()`: both must pass the same assertions,
// and answer the same statuses and bodies. A bearer session (as the widget keeps it across
// sites) becomes a token for a link, and the token, once, becomes the session again.
//
//   OTT_TARGETS="lectern=http://…,peer=http://…" node --test one-time-token.test.mjs
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bearerClient } from "./lib/clients.mjs";
import { targetsFromEnv, uniqueEmail } from "./lib/env.mjs";

const targets = targetsFromEnv("OTT_TARGETS");
/** What each server answered to the same raw requests, compared once all have run. */
const seen = {};

async function raw(base, path, { body, token } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + "/api/auth" + path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

for (const [name, base] of targets) {
  describe(`one-time tokens on ${name} (${base})`, () => {
    it("trades a bearer session for a single-use token and back", async () => {
      const email = uniqueEmail("ott");
      const reader = bearerClient(base);
      const up = await reader.client.signUp.email({ name: "Leaves And Returns", email, password: "one time token 1" });
      assert.equal(up.error, null, JSON.stringify(up.error));
      assert.ok(reader.state.token);

      const made = await reader.client.oneTimeToken.generate();
      assert.equal(made.error, null, JSON.stringify(made.error));
      assert.match(made.data.token, /^[A-Za-z0-9_-]{32}$/);

      // Back from a link: a client with nothing but the token.
      const back = bearerClient(base);
      const verified = await back.client.oneTimeToken.verify({ token: made.data.token });
      assert.equal(verified.error, null, JSON.stringify(verified.error));
      assert.equal(verified.data.user.email, email);
      assert.deepEqual(Object.keys(verified.data).sort(), ["session", "user"]);
      assert.ok(back.state.token, "the answer carries set-auth-token");
      const session = await back.client.getSession();
      assert.equal(session.data.user.email, email, "the token was the reader's session");

      const spent = await raw(base, "/one-time-token/verify", { body: { token: made.data.token } });
      const unknown = await raw(base, "/one-time-token/verify", { body: { token: "x".repeat(32) } });
      const missing = await raw(base, "/one-time-token/verify", { body: {} });
      const signedOut = await raw(base, "/one-time-token/generate");
      assert.equal(spent.status, 400, "a token works once");
      assert.deepEqual(spent.body, { message: "Invalid token" });
      assert.deepEqual(unknown, spent);
      assert.equal(missing.status, 400);
      assert.equal(signedOut.status, 401);
      seen[name] = { spent, unknown, missing, signedOut };
    });
  });
}

describe("one-time tokens side by side", () => {
  it("every server answers the same statuses and bodies", () => {
    assert.deepEqual(Object.keys(seen).sort(), targets.map(([name]) => name).sort(), "every target ran");
    const [first, ...rest] = Object.keys(seen);
    for (const other of rest) assert.deepEqual(seen[other], seen[first], `${other} answers as ${first}`);
  });
});
