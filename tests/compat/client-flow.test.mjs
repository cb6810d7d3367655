// The official better-auth client (1.7.24, unchanged) driving the whole reader flow.
//
//   COMPAT_TARGETS="lectern-sqlite=http://127.0.0.1:A,peer=http://127.0.0.1:B" node --test client-flow.test.mjs
//
// Every target gets the same assertions. run.sh includes the Better Auth peer as a target:
// passing there is what shows the expectations are Better Auth's behaviour, not guesses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cookieClient, bearerClient } from "./lib/clients.mjs";
import { targetsFromEnv, uniqueEmail } from "./lib/env.mjs";

const TOKEN = /^[A-Za-z0-9]{32}$/; // session.token
const SIGNED = /^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/; // set-auth-token: token.base64(hmac), raw
const PW = "correct horse 1", PW2 = "battery staple 2", PW3 = "third password 3";

/** The client's {data, error} pair must be a success; returns data. */
function ok(res, what) {
  assert.equal(res.error, null, `${what}: unexpected error ${JSON.stringify(res.error)}`);
  assert.ok(res.data !== undefined, `${what}: no data`);
  return res.data;
}
/** The client must surface an error with this HTTP status and Better Auth code. */
function fails(res, status, code, what) {
  assert.equal(res.data, null, `${what}: expected an error, got data ${JSON.stringify(res.data)}`);
  assert.equal(res.error?.status, status, `${what}: status (error ${JSON.stringify(res.error)})`);
  assert.equal(res.error?.code, code, `${what}: code (error ${JSON.stringify(res.error)})`);
}
async function sessionOf(c, what) {
  return ok(await c.client.getSession(), what);
}
/** A fresh browser tab that signs up; returns the tab plus what sign-up answered. */
async function signedUp(base, label, extra = {}) {
  const tab = cookieClient(base);
  const email = uniqueEmail(label);
  const data = ok(await tab.client.signUp.email({ name: label, email, password: PW, ...extra }), `sign-up ${label}`);
  return { ...tab, email, user: data.user, token: data.token };
}
async function signedIn(base, email, password = PW) {
  const tab = cookieClient(base);
  const data = ok(await tab.client.signIn.email({ email, password }), `sign-in ${email}`);
  return { ...tab, token: data.token, user: data.user };
}

for (const [name, base] of targetsFromEnv("COMPAT_TARGETS")) {
  describe(`official client against ${name} (${base})`, () => {
    it("signs up with background fields, reads the session, signs out and back in", async () => {
      const tab = cookieClient(base);
      const email = uniqueEmail("MixedCase"); // stored and returned lower-cased
      const up = ok(await tab.client.signUp.email({
        name: "Ada Reader", email, password: PW, softwareBackground: "rust", hardwareBackground: "arduino",
      }), "sign-up");
      assert.match(up.token, TOKEN);
      assert.equal(up.user.email, email.toLowerCase());
      assert.equal(up.user.name, "Ada Reader");
      assert.equal(up.user.softwareBackground, "rust");
      assert.equal(up.user.hardwareBackground, "arduino");
      assert.equal(up.user.isAnonymous, false);
      assert.equal(up.user.emailVerified, false);
      assert.equal(tab.jar.sessionToken(), up.token, "sign-up sets the session cookie");

      const s = await sessionOf(tab, "get-session after sign-up");
      assert.equal(s.session.token, up.token);
      assert.equal(s.session.userId, up.user.id);
      assert.deepEqual(s.user, up.user, "get-session returns the same user as sign-up");

      assert.deepEqual(ok(await tab.client.signOut(), "sign-out"), { success: true });
      assert.equal(tab.jar.sessionToken(), undefined, "sign-out clears the cookie");
      assert.equal(await sessionOf(tab, "get-session after sign-out"), null);

      fails(await tab.client.signIn.email({ email, password: "wrong password" }), 401, "INVALID_EMAIL_OR_PASSWORD", "wrong password");
      fails(await tab.client.signIn.email({ email: uniqueEmail("nobody"), password: PW }), 401, "INVALID_EMAIL_OR_PASSWORD", "unknown email");
      assert.equal(tab.jar.sessionToken(), undefined, "a failed sign-in sets no cookie");

      const inn = ok(await tab.client.signIn.email({ email, password: PW }), "sign-in");
      assert.equal(inn.redirect, false);
      assert.match(inn.token, TOKEN);
      assert.notEqual(inn.token, up.token, "a new session");
      assert.equal(inn.user.id, up.user.id);
      assert.equal((await sessionOf(tab, "get-session after sign-in")).session.token, inn.token);

      const other = cookieClient(base);
      fails(await other.client.signUp.email({ name: "Dup", email: email.toUpperCase(), password: PW }), 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "duplicate email");
      assert.equal(other.jar.sessionToken(), undefined, "a refused sign-up sets no cookie");
    });

    it("updates name and background fields", async () => {
      const tab = await signedUp(base, "updater", { softwareBackground: "none" });
      const changes = { name: "Renamed Reader", softwareBackground: "python", hardwareBackground: "jetson nano" };
      assert.deepEqual(ok(await tab.client.updateUser(changes), "update-user"), { status: true });
      const s = await sessionOf(tab, "get-session after update-user");
      for (const [k, v] of Object.entries(changes)) assert.equal(s.user[k], v, `user.${k}`);
      assert.equal(s.user.email, tab.email.toLowerCase(), "email untouched");
      assert.equal(s.session.token, tab.token, "update-user keeps the session");
    });

    it("changes the password: wrong current password, then keeping and revoking other sessions", async () => {
      const a = await signedUp(base, "changer");
      const b = await signedIn(base, a.email);

      fails(await a.client.changePassword({ currentPassword: "not the password", newPassword: PW2 }), 400, "INVALID_PASSWORD", "wrong current password");

      const kept = ok(await a.client.changePassword({ currentPassword: PW, newPassword: PW2, revokeOtherSessions: false }), "change-password keep");
      assert.equal(kept.token, null, "no new session when other sessions are kept");
      assert.equal(kept.user.id, a.user.id);
      assert.equal((await sessionOf(b, "other session after keep")).user.id, a.user.id, "other session survives");
      assert.equal((await sessionOf(a, "own session after keep")).session.token, a.token);
      fails(await cookieClient(base).client.signIn.email({ email: a.email, password: PW }), 401, "INVALID_EMAIL_OR_PASSWORD", "old password");
      await signedIn(base, a.email, PW2);

      const revoked = ok(await a.client.changePassword({ currentPassword: PW2, newPassword: PW3, revokeOtherSessions: true }), "change-password revoke");
      assert.match(revoked.token, TOKEN);
      assert.notEqual(revoked.token, a.token, "a new session replaces the current one");
      assert.equal(a.jar.sessionToken(), revoked.token, "the new session cookie is set");
      assert.equal((await sessionOf(a, "own session after revoke")).session.token, revoked.token);
      assert.equal(await sessionOf(b, "other session after revoke"), null, "other sessions are gone");
      assert.equal(b.jar.sessionToken(), undefined, "the dead cookie is cleared");
      await signedIn(base, a.email, PW3);
    });

    it("lists and revokes sessions", async () => {
      const a = await signedUp(base, "sessions");
      const [b, c, d] = [await signedIn(base, a.email), await signedIn(base, a.email), await signedIn(base, a.email)];
      const tokens = async () => {
        const list = ok(await a.client.listSessions(), "list-sessions");
        assert.ok(Array.isArray(list), "list-sessions answers an array");
        for (const s of list) assert.equal(s.userId, a.user.id);
        return list.map((s) => s.token).sort();
      };
      assert.deepEqual(await tokens(), [a.token, b.token, c.token, d.token].sort());

      assert.deepEqual(ok(await a.client.revokeSession({ token: b.token }), "revoke-session"), { status: true });
      assert.equal(await sessionOf(b, "revoked session"), null);
      assert.deepEqual(await tokens(), [a.token, c.token, d.token].sort());

      assert.deepEqual(ok(await a.client.revokeOtherSessions(), "revoke-other-sessions"), { status: true });
      assert.equal(await sessionOf(c, "c after revoke-other"), null);
      assert.equal(await sessionOf(d, "d after revoke-other"), null);
      assert.deepEqual(await tokens(), [a.token]);

      const e = await signedIn(base, a.email);
      assert.deepEqual(ok(await a.client.revokeSessions(), "revoke-sessions"), { status: true });
      assert.equal(a.jar.sessionToken(), undefined, "revoke-sessions clears the caller's cookie");
      assert.equal(await sessionOf(e, "e after revoke-sessions"), null);
      fails(await a.client.listSessions(), 401, "UNAUTHORIZED", "list-sessions without a session");
    });

    it("lists the linked accounts, refuses to unlink the last, and says mail is not set up", async () => {
      const a = await signedUp(base, "accounts");
      const accounts = ok(await a.client.listAccounts(), "list-accounts");
      assert.equal(accounts.length, 1);
      assert.equal(accounts[0].providerId, "credential");
      assert.equal(accounts[0].userId, a.user.id);
      assert.deepEqual(accounts[0].scopes, []);
      assert.equal(accounts[0].password, undefined, "no password hash in the list");
      fails(await a.client.unlinkAccount({ accountId: accounts[0].id }), 400, "FAILED_TO_UNLINK_LAST_ACCOUNT", "unlink the last account");
      fails(await a.client.requestPasswordReset({ email: a.email, redirectTo: "/reset" }), 400, "RESET_PASSWORD_DISABLED", "password reset without mail");
      fails(await a.client.changeEmail({ newEmail: uniqueEmail("changed") }), 400, "CHANGE_EMAIL_DISABLED", "change-email without mail");
      fails(await a.client.sendVerificationEmail({ email: a.email }), 400, "VERIFICATION_EMAIL_NOT_ENABLED", "verification without mail");
    });

    it("upgrades an anonymous guest by signing up", async () => {
      const g = cookieClient(base);
      const anon = ok(await g.client.signIn.anonymous(), "sign-in/anonymous");
      assert.equal(anon.user.isAnonymous, true);
      assert.match(anon.token, TOKEN);
      const guestCookie = g.jar.get("better-auth.session_token");
      const gs = await sessionOf(g, "guest session");
      assert.equal(gs.user.id, anon.user.id);
      assert.equal(gs.user.isAnonymous, true);
      fails(await g.client.signIn.anonymous(), 400, "ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY", "second anonymous sign-in");

      const email = uniqueEmail("upgraded");
      const up = ok(await g.client.signUp.email({ name: "Upgraded", email, password: PW, softwareBackground: "js" }), "sign-up as guest");
      assert.equal(up.user.isAnonymous, false);
      assert.notEqual(up.user.id, anon.user.id, "a new user, not the guest renamed");
      assert.notEqual(up.token, anon.token, "a new session");
      const s = await sessionOf(g, "session after upgrade");
      assert.equal(s.user.id, up.user.id);
      assert.equal(s.user.isAnonymous, false);
      assert.equal(s.user.softwareBackground, "js");

      // The guest (and with it its session) is deleted: its old cookie no longer works.
      const old = cookieClient(base);
      old.jar.cookies.set("better-auth.session_token", guestCookie);
      assert.equal(await sessionOf(old, "old guest cookie"), null);
      await signedIn(base, email);
    });

    it("works as a bearer-only client (set-auth-token in, Authorization out, no cookies)", async () => {
      const b = bearerClient(base);
      const email = uniqueEmail("bearer");
      const up = ok(await b.client.signUp.email({ name: "Bearer", email, password: PW }), "bearer sign-up");
      assert.match(b.state.token, SIGNED, "set-auth-token is token.signature, not url-encoded");
      assert.equal(b.state.token.split(".")[0], up.token);
      assert.equal((await sessionOf(b, "bearer get-session")).user.id, up.user.id);

      assert.deepEqual(ok(await b.client.updateUser({ hardwareBackground: "esp32" }), "bearer update-user"), { status: true });
      assert.equal((await sessionOf(b, "after bearer update")).user.hardwareBackground, "esp32");

      const first = b.state.token;
      const changed = ok(await b.client.changePassword({ currentPassword: PW, newPassword: PW2, revokeOtherSessions: true }), "bearer change-password");
      assert.equal(b.state.token.split(".")[0], changed.token, "the new token arrives in set-auth-token");
      assert.equal((await sessionOf(b, "after bearer change-password")).session.token, changed.token);
      const stale = bearerClient(base);
      stale.state.token = first;
      assert.equal(await sessionOf(stale, "revoked bearer token"), null);

      assert.deepEqual(ok(await b.client.signOut(), "bearer sign-out"), { success: true });
      assert.equal(await sessionOf(b, "bearer after sign-out"), null, "sign-out by bearer deletes the session");

      assert.ok(b.requests.length >= 6);
      for (const r of b.requests) assert.equal(r.headers.get("cookie"), null, `no Cookie on ${r.method} ${r.url}`);
      assert.ok(b.requests.some((r) => /^Bearer [^.]+\..+$/.test(r.headers.get("authorization") || "")), "Authorization: Bearer sent");
    });

    it("loads better-auth/react in Node without a DOM and signs in through it", async () => {
      assert.equal(typeof globalThis.window, "undefined", "no DOM in this process");
      const a = await signedUp(base, "react");
      const r = cookieClient(base, { react: true });
      assert.equal(typeof r.client.useSession, "function", "the React client exposes its hooks");
      const inn = ok(await r.client.signIn.email({ email: a.email, password: PW }), "react sign-in");
      assert.equal(inn.user.id, a.user.id);
      const s = await sessionOf(r, "react get-session");
      assert.equal(s.session.token, inn.token);
      assert.equal(s.user.id, a.user.id);
    });
  });
}
