// Lectern and the real Better Auth server on ONE PostgreSQL database with the SAME secret:
// anything one of them writes (users, scrypt hashes, sessions, signed cookies, bearer
// tokens) must work on the other. This is what lets a team switch either way.
//
//   CROSS_PEER_URL=… CROSS_LECTERN_URL=… CROSS_DATABASE_URL=postgres://… node --test cross-server.test.mjs
//
// run.sh runs Better Auth's migration first and signs one user up on the peer BEFORE
// Lectern starts, so Lectern finds Better Auth hashes and must choose scrypt.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { call, post } from "./lib/http.mjs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";

const PEER = requireEnv("CROSS_PEER_URL").replace(/\/$/, "");
const LECTERN = requireEnv("CROSS_LECTERN_URL").replace(/\/$/, "");
const DATABASE_URL = requireEnv("CROSS_DATABASE_URL", "the database both servers share");
const NAME = { [PEER]: "peer", [LECTERN]: "lectern" };
const BOTH_WAYS = [[PEER, LECTERN], [LECTERN, PEER]];
const PW = "shared password 1", PW2 = "changed password 2";
const BA_HASH = /^[0-9a-f]{32}:[0-9a-f]{128}$/; // Better Auth scrypt: hex salt ":" hex key

let db;
before(async () => {
  db = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5000 });
  await db.connect();
});
after(() => db?.end());

const rows = async (sql, ...args) => (await db.query(sql, args)).rows;

/** 200 or a readable failure naming the server, request and answer. */
function expect200(res, what) {
  assert.equal(res.status, 200, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
async function signUp(base, label, extra = {}) {
  const email = uniqueEmail(label);
  const res = await post(base, "/sign-up/email", { name: label, email, password: PW, ...extra });
  const body = expect200(res, `sign-up on ${NAME[base]}`);
  assert.ok(res.sessionCookie, `sign-up on ${NAME[base]} sets a session cookie`);
  return { email, user: body.user, token: body.token, cookie: res.sessionCookie, bearer: res.authToken };
}
async function signIn(base, email, password = PW) {
  const res = await post(base, "/sign-in/email", { email, password });
  const body = expect200(res, `sign-in on ${NAME[base]}`);
  return { user: body.user, token: body.token, cookie: res.sessionCookie, bearer: res.authToken };
}
async function getSession(base, auth, what) {
  return expect200(await call(base, "/get-session", auth), `get-session on ${NAME[base]} (${what})`);
}
/**
 * What one server writes reaches the other's session cache by a PostgreSQL notification,
 * asynchronously (Lectern's cache module): poll, bounded, until `read()` gives `want`.
 */
async function eventually(read, want, what) {
  let got;
  for (let i = 0; i < 200; i++) {
    got = await read();
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what}: still ${JSON.stringify(got)} after 2 s, want ${JSON.stringify(want)}`);
}
const storedPassword = async (userId) =>
  (await rows(`SELECT "password", "accountId" FROM "account" WHERE "userId" = $1 AND "providerId" = 'credential'`, userId))[0];

describe("Lectern and Better Auth sharing one database", () => {
  it("(a) a user who signed up on the peer signs in on Lectern", async () => {
    const u = await signUp(PEER, "peer-made", { softwareBackground: "c++" });
    assert.match((await storedPassword(u.user.id)).password, BA_HASH, "control: the peer wrote its scrypt format");
    const s = await signIn(LECTERN, u.email);
    assert.deepEqual(s.user, u.user, "Lectern reads the peer's user row identically");
    const wrong = await post(LECTERN, "/sign-in/email", { email: u.email, password: "not the password" });
    assert.equal(wrong.status, 401, "Lectern really checks the peer's hash");
    assert.equal(wrong.body?.code, "INVALID_EMAIL_OR_PASSWORD");
  });

  for (const [from, to] of BOTH_WAYS) {
    it(`(b) a session cookie minted by ${NAME[from]} is accepted by ${NAME[to]}`, async () => {
      const u = await signUp(from, `cookie-${NAME[from]}`, { hardwareBackground: "pi" });
      const own = await getSession(from, { cookie: u.cookie }, "own cookie");
      const other = await getSession(to, { cookie: u.cookie }, `cookie from ${NAME[from]}`);
      assert.ok(other, `${NAME[to]} returned null for a cookie minted by ${NAME[from]}`);
      assert.equal(other.session.id, own.session.id);
      assert.equal(other.user.id, u.user.id);
      assert.deepEqual(other.session, own.session, "same session row, same JSON");
      assert.deepEqual(other.user, own.user, "same user row, same JSON");

      // A profile change made through the other server is what the first one sees.
      expect200(await post(to, "/update-user", { softwareBackground: `via ${NAME[to]}` }, { cookie: u.cookie }), "update-user");
      await eventually(async () => (await getSession(from, { cookie: u.cookie }, "after update")).user.softwareBackground,
        `via ${NAME[to]}`, `${NAME[from]} sees the update made on ${NAME[to]}`);
    });

    it(`(c) a bearer token from ${NAME[from]} works on ${NAME[to]}`, async () => {
      const u = await signUp(from, `bearer-${NAME[from]}`);
      const s = await signIn(from, u.email);
      assert.match(s.bearer || "", /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/, `set-auth-token from ${NAME[from]}`);
      const viaSigned = await getSession(to, { bearer: s.bearer }, "signed bearer token");
      assert.equal(viaSigned?.session.token, s.token, `${NAME[to]} accepts ${NAME[from]}'s set-auth-token`);
      assert.equal(viaSigned.user.id, u.user.id);
      const viaRaw = await getSession(to, { bearer: s.token }, "raw session token as bearer");
      assert.equal(viaRaw?.session.token, s.token, `${NAME[to]} accepts the raw token from ${NAME[from]}'s body`);
    });
  }

  it("(d) a user who signed up on Lectern signs in on the peer (Lectern chose scrypt)", async () => {
    const u = await signUp(LECTERN, "lectern-made");
    const stored = await storedPassword(u.user.id);
    assert.ok(stored, "Lectern wrote a credential account row");
    assert.match(stored.password, BA_HASH, "Lectern must write Better Auth's scrypt format on a Better Auth database");
    assert.equal(stored.accountId, u.user.id, "Better Auth's convention: credential accountId = user id");
    const s = await signIn(PEER, u.email);
    assert.deepEqual(s.user, u.user, "the peer reads Lectern's user row identically");
    const wrong = await post(PEER, "/sign-in/email", { email: u.email, password: "not the password" });
    assert.equal(wrong.status, 401, "the peer really checks Lectern's hash");
  });

  for (const [from, to] of BOTH_WAYS) {
    it(`(d) a password changed on ${NAME[from]} works on ${NAME[to]}`, async () => {
      const u = await signUp(to, `pwchange-${NAME[from]}`);
      const res = await post(from, "/change-password", { currentPassword: PW, newPassword: PW2 }, { cookie: u.cookie });
      expect200(res, `change-password on ${NAME[from]}`);
      assert.match((await storedPassword(u.user.id)).password, BA_HASH);
      await signIn(to, u.email, PW2);
      assert.equal((await post(to, "/sign-in/email", { email: u.email, password: PW })).status, 401, "old password refused");
    });

    it(`(e) sign-out on ${NAME[to]} kills a session minted by ${NAME[from]}`, async () => {
      const u = await signUp(from, `signout-${NAME[from]}`);
      const out = await post(to, "/sign-out", {}, { cookie: u.cookie });
      assert.deepEqual(expect200(out, `sign-out on ${NAME[to]}`), { success: true });
      assert.equal((await rows(`SELECT 1 FROM "session" WHERE "token" = $1`, u.token)).length, 0, "session row deleted");
      await eventually(() => getSession(from, { cookie: u.cookie }, "signed-out cookie"), null, `${NAME[from]} drops the cookie`);
      await eventually(() => getSession(from, { bearer: u.bearer }, "signed-out bearer"), null, `${NAME[from]} drops the bearer`);
    });

    it(`(f) an anonymous user made on ${NAME[from]} is upgraded on ${NAME[to]}`, async () => {
      const anon = await post(from, "/sign-in/anonymous", {});
      const guest = expect200(anon, `sign-in/anonymous on ${NAME[from]}`).user;
      assert.equal(guest.isAnonymous, true);
      assert.equal((await getSession(to, { cookie: anon.sessionCookie }, "guest cookie"))?.user.isAnonymous, true, `${NAME[to]} sees the guest`);

      const email = uniqueEmail(`upgrade-${NAME[from]}`);
      const up = await post(to, "/sign-up/email", { name: "Upgraded", email, password: PW }, { cookie: anon.sessionCookie });
      const body = expect200(up, `sign-up as guest on ${NAME[to]}`);
      assert.equal(body.user.isAnonymous, false);
      assert.notEqual(body.user.id, guest.id);
      assert.equal((await rows(`SELECT 1 FROM "user" WHERE "id" = $1`, guest.id)).length, 0, "guest user deleted");
      assert.equal((await rows(`SELECT 1 FROM "session" WHERE "userId" = $1`, guest.id)).length, 0, "guest sessions deleted");
      assert.equal(await getSession(from, { cookie: anon.sessionCookie }, "old guest cookie"), null);
      const now = await getSession(from, { cookie: up.sessionCookie }, "upgraded cookie");
      assert.equal(now?.user.id, body.user.id, "the upgraded cookie works");
      assert.equal(now.user.isAnonymous, false);
    });
  }
});
