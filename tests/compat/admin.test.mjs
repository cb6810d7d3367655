// Better Auth's admin plugin, driven by the official client's adminClient() against Lectern
// and the reference peer (configured with admin()) side by side.
//
//   ADMIN_TARGETS="lectern=http://…|postgres://…/db,peer=http://…|postgres://…/db" node --test admin.test.mjs
//
// Each target's database URL serves one purpose: making the first admin (Better Auth has no
// HTTP route for that; Lectern's `lectern admin grant` and LECTERN_ADMIN_EMAILS do the same
// write). The same scenario runs on every target; each step's status, error code and JSON
// shape (keys in order, value types) must be equal across targets, except where
// known-differences.json lists the step ("admin: <step>") with a reason.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createAuthClient } from "better-auth/client";
import { adminClient } from "better-auth/client/plugins";
import { browserFetch } from "./lib/cookie-jar.mjs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";

const PW = "correct horse 1";
const here = path.dirname(fileURLToPath(import.meta.url));
const allow = JSON.parse(fs.readFileSync(path.join(here, "known-differences.json"), "utf8"));

const targets = requireEnv("ADMIN_TARGETS", "name=url|database-url,…").split(",").map((entry) => {
  const [name, rest] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
  const [base, db] = rest.split("|");
  return { name, base: base.replace(/\/$/, ""), db };
});

function tab(base) {
  const { impl, jar } = browserFetch(base);
  const client = createAuthClient({ baseURL: base, plugins: [adminClient()], fetchOptions: { customFetchImpl: impl } });
  return { client, jar };
}

/** A JSON value's shape: keys in order with their value types; arrays by their first item. */
function shape(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

/** What a step answered, in comparable form. */
function outcome(res) {
  if (res.error) return { status: res.error.status, code: res.error.code ?? null, message: res.error.message ?? null };
  return { status: 200, shape: shape(res.data) };
}

async function makeAdmin(db, userId) {
  const client = new pg.Client(db);
  await client.connect();
  try {
    await client.query(`UPDATE "user" SET "role" = 'admin' WHERE "id" = $1`, [userId]);
  } finally {
    await client.end();
  }
}

/** The scenario: every route, for an admin and for a reader. Returns [step, outcome] pairs. */
async function scenario({ base, db }) {
  const steps = [];
  const record = async (step, promise, check) => {
    const res = await promise;
    steps.push([step, outcome(res)]);
    if (check) check(res);
    return res;
  };
  const okData = (res) => { assert.equal(res.error, null, JSON.stringify(res.error)); return res.data; };

  const admin = tab(base), reader = tab(base);
  const adminEmail = uniqueEmail("admin"), readerEmail = uniqueEmail("reader");
  const a = okData(await admin.client.signUp.email({ name: "Admin", email: adminEmail, password: PW }));
  const r = okData(await reader.client.signUp.email({ name: "Reader", email: readerEmail, password: PW }));
  assert.equal(r.user.role, "user");
  assert.equal(r.user.banned, false);
  await makeAdmin(db, a.user.id);
  const A = admin.client.admin, R = reader.client.admin;

  // A reader is refused.
  await record("reader list-users", R.listUsers({ query: {} }));
  await record("reader get-user", R.getUser({ query: { id: a.user.id } }));
  await record("reader set-role", R.setRole({ userId: a.user.id, role: "user" }));
  await record("reader ban-user", R.banUser({ userId: a.user.id }));
  await record("reader impersonate-user", R.impersonateUser({ userId: a.user.id }));
  await record("reader remove-user", R.removeUser({ userId: a.user.id }));
  await record("reader has-permission", R.hasPermission({ permissions: { user: ["list"] } }), (res) =>
    assert.equal(res.data?.success, false));
  await record("reader stop-impersonating", R.stopImpersonating());
  await record("signed-out list-users", tab(base).client.admin.listUsers({ query: {} }));

  // The admin does everything.
  await record("has-permission", A.hasPermission({ permissions: { user: ["list", "ban"], session: ["revoke"] } }), (res) =>
    assert.equal(res.data?.success, true));
  const created = await record("create-user", A.createUser({ email: uniqueEmail("created"), password: PW, name: "Created", role: "user" }));
  await record("create-user taken", A.createUser({ email: readerEmail, name: "Again" }));
  await record("list-users", A.listUsers({ query: { limit: 2, sortBy: "createdAt", sortDirection: "desc" } }), (res) => {
    assert.equal(res.data.users.length, 2);
    assert.equal(res.data.limit, 2);
  });
  await record("list-users search", A.listUsers({ query: { searchField: "email", searchOperator: "contains", searchValue: readerEmail } }), (res) =>
    assert.deepEqual(res.data.users.map((u) => u.id), [r.user.id]));
  await record("list-users filter", A.listUsers({ query: { filterField: "role", filterValue: "admin", filterOperator: "eq" } }), (res) =>
    assert.ok(res.data.users.some((u) => u.id === a.user.id)));
  await record("get-user", A.getUser({ query: { id: r.user.id } }), (res) => assert.equal(res.data.id, r.user.id));
  await record("get-user missing", A.getUser({ query: { id: "nobody" } }));
  await record("update-user", A.updateUser({ userId: r.user.id, data: { name: "Renamed" } }), (res) =>
    assert.equal(res.data.name, "Renamed"));
  await record("update-user empty", A.updateUser({ userId: r.user.id, data: {} }));
  await record("set-role", A.setRole({ userId: created.data.user.id, role: "admin" }), (res) =>
    assert.equal(res.data.user.role, "admin"));
  await record("set-user-password", A.setUserPassword({ userId: created.data.user.id, newPassword: "a new password 2" }));
  await record("set-user-password short", A.setUserPassword({ userId: created.data.user.id, newPassword: "short" }));
  await record("list-user-sessions", A.listUserSessions({ userId: r.user.id }), (res) =>
    assert.equal(res.data.sessions.length, 1));

  // Impersonation: the admin becomes the reader for a while, then comes back.
  await record("impersonate admin", A.impersonateUser({ userId: created.data.user.id }));
  await record("impersonate-user", A.impersonateUser({ userId: r.user.id }), (res) =>
    assert.equal(res.data.session.impersonatedBy, a.user.id));
  await record("get-session impersonating", admin.client.getSession(), (res) => {
    assert.equal(res.data.user.id, r.user.id);
    assert.equal(res.data.session.impersonatedBy, a.user.id);
  });
  await record("stop-impersonating", A.stopImpersonating(), (res) => assert.equal(res.data.user.id, a.user.id));
  await record("get-session after", admin.client.getSession(), (res) => assert.equal(res.data.user.id, a.user.id));

  // Bans end sessions and refuse sign-in; unban lets the reader back.
  await record("ban-user self", A.banUser({ userId: a.user.id }));
  await record("ban-user", A.banUser({ userId: r.user.id, banReason: "spam", banExpiresIn: 3600 }), (res) =>
    assert.equal(res.data.user.banned, true));
  await record("get-session banned", reader.client.getSession(), (res) => assert.equal(res.data, null));
  await record("sign-in banned", tab(base).client.signIn.email({ email: readerEmail, password: PW }));
  await record("unban-user", A.unbanUser({ userId: r.user.id }));
  await record("sign-in unbanned", reader.client.signIn.email({ email: readerEmail, password: PW }));

  await record("revoke-user-session", A.revokeUserSession({ sessionToken: "no-such-token" }));
  await record("revoke-user-sessions", A.revokeUserSessions({ userId: r.user.id }));
  await record("remove-user self", A.removeUser({ userId: a.user.id }));
  await record("remove-user", A.removeUser({ userId: r.user.id }));
  await record("get-user removed", A.getUser({ query: { id: r.user.id } }));
  return steps;
}

function allowed(step, field) {
  const label = `admin: ${step}`;
  return allow.find((a) => {
    const lm = a.label === label || (a.label.startsWith("/") && a.label.endsWith("/") && new RegExp(a.label.slice(1, -1)).test(label));
    return lm && (a.field === "*" || a.field === field);
  });
}

describe("adminClient() side by side", () => {
  const results = new Map();
  for (const target of targets) {
    it(`runs the admin scenario against ${target.name}`, async () => {
      results.set(target.name, await scenario(target));
    });
  }
  it("answers alike on every target", () => {
    const [first, ...rest] = targets.map((t) => [t.name, results.get(t.name)]);
    assert.ok(first[1] && rest.every(([, r]) => r), "every target ran the scenario");
    const problems = [];
    for (const [name, steps] of rest) {
      steps.forEach(([step, got], i) => {
        const [, want] = first[1][i];
        for (const field of ["status", "code", "message", "shape"]) {
          const [x, y] = [JSON.stringify(want[field]), JSON.stringify(got[field])];
          if (x !== y && !allowed(step, field)) problems.push(`${step} ${field}: ${first[0]} ${x} vs ${name} ${y}`);
        }
      });
    }
    assert.deepEqual(problems, []);
  });
  after(() => {
    if (process.env.COMPAT_ARTIFACTS) {
      fs.writeFileSync(path.join(process.env.COMPAT_ARTIFACTS, "admin-steps.json"), JSON.stringify(Object.fromEntries(results), null, 1));
    }
  });
});
