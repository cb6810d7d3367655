// docs/docusaurus.md's bearer client, exactly as the docs show it (docs-client/lectern.mjs,
// checked to appear there verbatim), driven against Lectern in Node: the official
// `better-auth/react` client with `fetchOptions.auth` and `onSuccess` keeping `set-auth-token`,
// and the reader API called with the same token. A guest chats, signs up keeping the chat,
// is gated by the questionnaire, and signs out. Node has no localStorage (a Map stands in) and
// its fetch sends no Origin, which a browser sends with every cross-origin POST (added here).
//
//   DOCS_CLIENT_URL=http://… node --test docs-client.test.mjs
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";

const base = requireEnv("DOCS_CLIENT_URL", "Lectern's URL").replace(/\/$/, "");
const source = fs.readFileSync(new URL("./docs-client/lectern.mjs", import.meta.url), "utf8");
const docs = fs.readFileSync(new URL("../../docs/docusaurus.md", import.meta.url), "utf8");

const items = new Map();
globalThis.localStorage = {
  getItem: (k) => items.get(k) ?? null,
  setItem: (k, v) => items.set(k, String(v)),
  removeItem: (k) => items.delete(k),
};
const nodeFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set("origin", new URL(base).origin);
  return nodeFetch(input, { ...init, headers });
};
const { createLectern } = await import("./docs-client/lectern.mjs");

describe(`the docs' bearer client against ${base}`, () => {
  it("is the code docs/docusaurus.md shows", () => {
    assert.ok(docs.includes("```js\n" + source + "```"), "docs/docusaurus.md shows docs-client/lectern.mjs verbatim");
  });

  it("a guest chats, signs up keeping the chat, meets the questionnaire, signs out", async () => {
    const { authClient, api, signOut } = createLectern(base);
    const guest = await authClient.signIn.anonymous();
    assert.equal(guest.error, null, JSON.stringify(guest.error));
    const guestToken = items.get("lectern-session-token");
    assert.ok(guestToken, "the guest's token is kept");

    const chat = await api("/api/chats", { method: "POST", body: {} });
    assert.ok(chat.id);

    const email = uniqueEmail("docs-client");
    const up = await authClient.signUp.email({ name: "Docs Reader", email, password: "docs client password 1" });
    assert.equal(up.error, null, JSON.stringify(up.error));
    assert.notEqual(items.get("lectern-session-token"), guestToken, "the account's token replaces the guest's");
    const session = await authClient.getSession();
    assert.equal(session.data.user.email, email);

    assert.equal((await api("/api/me")).profileComplete, false);
    await assert.rejects(api("/api/chats"), { status: 403, code: "PROFILE_REQUIRED" });
    const answers = { softwareExperience: "beginner", operatingSystem: "linux", gpu: "nvidia", gpuModel: "RTX 4070", roboticsHardware: ["jetson"] };
    await api("/api/user/profile", { method: "PUT", body: { answers } });
    const chats = await api("/api/chats");
    assert.ok(JSON.stringify(chats).includes(chat.id), "the guest's chat moved to the account");

    await signOut();
    assert.equal(items.get("lectern-session-token"), undefined, "signing out forgets the token");
    await assert.rejects(api("/api/me"), { status: 401 });
  });
});
