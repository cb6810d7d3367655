// The account lifecycle by mail with the official `better-auth` client, on Lectern and on the
// reference peer: verifying an address, changing it, deleting the account, and sign-in with
// verification required. The same assertions on every target, and the same answers to the same
// failures, compared once all targets have run (one documented difference, KNOWN below).
//
//   LIFECYCLE_TARGETS="lectern=http://…|maildir:DIR,peer=http://…|jsonl:FILE"            \
//   LIFECYCLE_REQUIRED_TARGETS="lectern=http://…|maildir:DIR,peer=http://…|jsonl:FILE"   \
//   LIFECYCLE_CROSS_TARGETS="peer=http://…|jsonl:FILE,lectern=http://…|maildir:DIR"     \
//     node --test lifecycle.test.mjs
//
// LIFECYCLE_TARGETS: Lectern with LECTERN_EMAIL_VERIFICATION=optional and
// LECTERN_DELETE_USER=mail; the peer with peer-lifecycle.mjs in optional mode, i.e.
//   emailVerification: { sendVerificationEmail, sendOnSignUp: true, autoSignInAfterVerification: true }
//   user.changeEmail: { enabled: true, sendChangeEmailConfirmation }
//   user.deleteUser: { enabled: true, sendDeleteAccountVerification }
// LIFECYCLE_REQUIRED_TARGETS: the same with LECTERN_EMAIL_VERIFICATION=required, i.e.
//   emailAndPassword.requireEmailVerification: true and emailVerification.sendOnSignIn: true.
// LIFECYCLE_CROSS_TARGETS: the optional peer and a Lectern on the peer's database (same
// secret): a link one mints must work on the other.
//
// Lectern sends real SMTP (aiosmtpd into a Maildir), the peer writes JSON lines; see
// lib/mailbox.mjs. Every target has its own database; addresses are unique per run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { browser, visit } from "./lib/clients.mjs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";
import { mailTargets } from "./lib/mailbox.mjs";

const PW = "lifecycle password 1";
const optional = mailTargets("LIFECYCLE_TARGETS");
const required = mailTargets("LIFECYCLE_REQUIRED_TARGETS");
const [crossPeer, crossLectern] = mailTargets("LIFECYCLE_CROSS_TARGETS");
/** Every server run.sh starts shares this BETTER_AUTH_SECRET: the test mints expired tokens. */
const SECRET = requireEnv("JWT_SECRET", "the BETTER_AUTH_SECRET of the servers run.sh starts");
const EVIL = "https://evil.example/steal";

/**
 * Where Lectern deliberately answers otherwise than Better Auth: the answers each server must
 * give for that label (so the difference stays checked, not ignored). Keyed by the target's
 * kind: "lectern" for names starting with lectern, "peer" otherwise.
 */
const KNOWN = {
  "delete link: its owner opens it after another reader did": {
    reason: "Better Auth spends a delete-account link when anyone signed in opens it (consumeVerificationValue before comparing the user), so a link opened by another reader no longer works for its owner; Lectern spends it only for its owner, so opening someone's link cannot void it",
    lectern: { status: 302, location: "<BASE>/bye", sessionCookie: false, sessionCleared: true },
    peer: { status: 404, location: "", code: "INVALID_TOKEN", message: "Invalid token", sessionCookie: false, sessionCleared: false },
  },
};
const kindOf = (name) => (name.startsWith("lectern") ? "lectern" : "peer");

/** What each target answered, by group (optional, required), compared at the end. */
const seen = { optional: {}, required: {} };
function record(group, t, label, value) {
  ((seen[group][t.name] ??= {}))[label] = JSON.parse(JSON.stringify(value).replaceAll(t.base, "<BASE>"));
}

const SESSION_COOKIE = /^better-auth\.session_token=/;
const sessionCookieSet = (setCookies) => setCookies.some((c) => SESSION_COOKIE.test(c) && !/^[^=]+=;/.test(c) && !/max-age=0/i.test(c));
const sessionCleared = (setCookies) => setCookies.some((c) => SESSION_COOKIE.test(c) && (/^[^=]+=;/.test(c) || /max-age=0/i.test(c)));

/** A navigation's answer, for comparing servers. */
function outcome(r) {
  let json;
  try { json = JSON.parse(r.body); } catch { /* not JSON */ }
  return {
    status: r.status,
    location: r.location ?? "",
    ...(json?.code ? { code: json.code } : {}),
    ...(json?.message ? { message: json.message } : {}),
    sessionCookie: sessionCookieSet(r.setCookies),
    sessionCleared: sessionCleared(r.setCookies),
  };
}
/** A client call's error, for comparing servers. */
const failure = (r) => ({ status: r.error?.status, code: r.error?.code, message: r.error?.message });

/** The JWT in a verification link: header and claims. */
function decode(token) {
  const [h, p] = token.split(".").slice(0, 2).map((s) => JSON.parse(Buffer.from(s, "base64url").toString("utf8")));
  return { header: h, claims: p };
}
/** What must be the same across servers about a token: header, claim names, lifetime, purpose. */
function tokenShape(token) {
  const { header, claims } = decode(token);
  return { header, claims: Object.keys(claims).sort(), lifetime: claims.exp - claims.iat, requestType: claims.requestType ?? null };
}
/** An HS256 JWT as Better Auth's signJWT makes it, with the servers' secret. */
function mint(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${part({ alg: "HS256" })}.${part(claims)}`;
  return `${input}.${createHmac("sha256", SECRET).update(input).digest("base64url")}`;
}
/** Another signature: one character in the middle of it changed. */
function tamper(token) {
  const i = token.lastIndexOf(".") + 10;
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

/** The link's path and query, checked against the server's base. */
function linkParts(t, url, path) {
  const u = new URL(url);
  assert.equal(`${u.origin}${u.pathname}`, `${t.base}/api/auth/${path}`, url);
  return Object.fromEntries(u.searchParams);
}

async function me(b) {
  const s = await b.client.getSession();
  assert.equal(s.error, null, JSON.stringify(s.error));
  return s.data;
}

/**
 * A new reader, signed up in a new browser (signed in unless verification is required), and
 * the verification mail sign-up sends (sendOnSignUp), once it has arrived.
 */
async function signUp(t, label, { name = "Lifecycle Reader", password = PW } = {}) {
  const email = uniqueEmail(label);
  const b = browser(t.base);
  const mark = t.box.mark();
  const up = await b.client.signUp.email({ name, email, password, callbackURL: `${t.base}/welcome` });
  assert.equal(up.error, null, JSON.stringify(up.error));
  assert.equal(up.data.user.emailVerified, false, "sign-up leaves the email unverified");
  const mail = await t.box.next(mark, { to: email, kind: "verify" });
  return { b, email, up, mail };
}

/** A signed-in reader whose address is verified (through the mailed link, by the client). */
async function verifiedReader(t, label) {
  const { b, email, mail } = await signUp(t, label);
  const r = await b.client.verifyEmail({ query: { token: mail.token } });
  assert.equal(r.error, null, JSON.stringify(r.error));
  const session = await me(b);
  assert.equal(session.user.emailVerified, true);
  return { b, email, id: session.user.id };
}

async function signIn(t, email, password = PW) {
  const b = browser(t.base);
  const r = await b.client.signIn.email({ email, password });
  return { b, r };
}

for (const t of optional) {
  const rec = (label, value) => record("optional", t, label, value);

  describe(`account lifecycle on ${t.name} (${t.base})`, () => {
    it("sign-up mails a verification link; verifyEmail verifies and signs in", async () => {
      const { b: tab, email, up, mail } = await signUp(t, "verify");
      assert.equal(typeof up.data.token, "string", "verification is optional: sign-up signs in");
      assert.deepEqual(Object.keys(linkParts(t, mail.url, "verify-email")).sort(), ["callbackURL", "token"]);
      assert.equal(linkParts(t, mail.url, "verify-email").callbackURL, `${t.base}/welcome`, "the sign-up's callbackURL");
      const { header, claims } = decode(mail.token);
      assert.equal(header.alg, "HS256");
      assert.equal(claims.email, email);
      assert.equal(claims.userId, up.data.user.id);
      rec("verification token", tokenShape(mail.token));

      // Signed in with another address, or asking again for one's own.
      const mismatch = await tab.client.sendVerificationEmail({ email: uniqueEmail("someone-else"), callbackURL: `${t.base}/welcome` });
      assert.equal(mismatch.error?.code, "EMAIL_MISMATCH");
      rec("send-verification-email: another address", failure(mismatch));
      const again = t.box.mark();
      const resend = await tab.client.sendVerificationEmail({ email, callbackURL: `${t.base}/again` });
      assert.deepEqual(resend.data, { status: true }, JSON.stringify(resend.error));
      const second = await t.box.next(again, { to: email, kind: "verify" });
      assert.equal(linkParts(t, second.url, "verify-email").callbackURL, `${t.base}/again`);

      // A tampered token: 401 JSON from the client, ?error= on the link with a callbackURL.
      const stranger = browser(t.base);
      const bad = await stranger.client.verifyEmail({ query: { token: tamper(mail.token) } });
      assert.equal(bad.error?.status, 401);
      assert.equal(bad.error?.code, "INVALID_TOKEN");
      rec("verify-email: tampered token", failure(bad));
      const badLink = await visit(stranger, `${t.base}/api/auth/verify-email?token=${tamper(mail.token)}&callbackURL=${encodeURIComponent(`${t.base}/welcome`)}`);
      assert.equal(badLink.status, 302);
      assert.equal(badLink.location, `${t.base}/welcome?error=INVALID_TOKEN`);
      rec("verify-email link: tampered token", outcome(badLink));
      const garbage = await stranger.client.verifyEmail({ query: { token: "not-a-jwt" } });
      rec("verify-email: not a JWT", failure(garbage));
      // Well signed but expired (the sign-up token's claims, an hour and a second old).
      const now = Math.floor(Date.now() / 1000);
      const expired = mint({ ...decode(mail.token).claims, iat: now - 3601, exp: now - 1 });
      const late = await stranger.client.verifyEmail({ query: { token: expired } });
      assert.equal(late.error?.code, "TOKEN_EXPIRED");
      rec("verify-email: expired token", failure(late));
      const lateLink = await visit(stranger, `${t.base}/api/auth/verify-email?token=${expired}&callbackURL=${encodeURIComponent(`${t.base}/welcome`)}`);
      assert.equal(lateLink.location, `${t.base}/welcome?error=TOKEN_EXPIRED`);
      rec("verify-email link: expired token", outcome(lateLink));
      // Minted for an account that does not exist.
      const ghost = mint({ email: uniqueEmail("ghost"), iat: now, exp: now + 3600 });
      const ghostLink = await visit(stranger, `${t.base}/api/auth/verify-email?token=${ghost}&callbackURL=${encodeURIComponent(`${t.base}/welcome`)}`);
      assert.equal(ghostLink.location, `${t.base}/welcome?error=USER_NOT_FOUND`);
      rec("verify-email link: no such account", outcome(ghostLink));
      // Another account's id in the token.
      const swapped = mint({ email, userId: "someone-else-entirely", iat: now, exp: now + 3600 });
      const swappedLink = await visit(stranger, `${t.base}/api/auth/verify-email?token=${swapped}&callbackURL=${encodeURIComponent(`${t.base}/welcome`)}`);
      rec("verify-email link: another account's id", outcome(swappedLink));
      assert.equal(swappedLink.location, `${t.base}/welcome?error=INVALID_TOKEN`);
      // A good token with an untrusted callbackURL: refused before anything happens.
      const evil = await visit(stranger, `${t.base}/api/auth/verify-email?token=${mail.token}&callbackURL=${encodeURIComponent(EVIL)}`);
      assert.equal(evil.status, 403, evil.body);
      rec("verify-email link: untrusted callbackURL", outcome(evil));
      assert.equal((await me(tab)).user.emailVerified, false, "none of these verified the address");
      assert.deepEqual(await me(stranger), null, "a refused link signs nobody in");

      // The client's verifyEmail in another browser: verified, and that browser signed in.
      const other = browser(t.base);
      const ok = await other.client.verifyEmail({ query: { token: mail.token } });
      assert.equal(ok.error, null, JSON.stringify(ok.error));
      assert.deepEqual(ok.data, { status: true, user: null });
      const there = await me(other);
      assert.equal(there?.user.email, email, "autoSignInAfterVerification");
      assert.equal(there.user.emailVerified, true);
      assert.equal((await me(tab)).user.emailVerified, true, "the sign-up's own session sees it too");

      const verified = await tab.client.sendVerificationEmail({ email, callbackURL: `${t.base}/welcome` });
      assert.equal(verified.error?.code, "EMAIL_ALREADY_VERIFIED");
      rec("send-verification-email: already verified", failure(verified));
      // The link again, once verified: nothing to do, off to the callback.
      const replay = await visit(browser(t.base), mail.url);
      rec("verify-email link: already verified", outcome(replay));
      assert.equal(replay.status, 302);
      assert.equal(replay.location, `${t.base}/welcome`);
      const replayJson = await browser(t.base).client.verifyEmail({ query: { token: second.token } });
      assert.deepEqual(replayJson.data, { status: true, user: null });
    });

    it("following the mailed link verifies, signs that browser in, and goes to the callbackURL", async () => {
      const { email, mail } = await signUp(t, "follow");
      const mark = t.box.mark();
      const early = await signIn(t, email);
      assert.equal(early.r.error, null, `verification is optional: ${JSON.stringify(early.r.error)}`);
      assert.equal(early.r.data.user.emailVerified, false);
      const w = browser(t.base);
      const r = await visit(w, mail.url);
      assert.equal(r.status, 302, r.body);
      assert.equal(r.location, `${t.base}/welcome`);
      assert.ok(sessionCookieSet(r.setCookies), "a session cookie comes with the redirect");
      rec("verify-email link", outcome(r));
      const s = await me(w);
      assert.equal(s?.user.email, email);
      assert.equal(s.user.emailVerified, true);
      assert.deepEqual(t.box.since(mark, { to: email }), [], "signing in unverified sends nothing (sendOnSignIn is for required)");
      const back = await signIn(t, email);
      assert.equal(back.r.error, null, JSON.stringify(back.r.error));
      assert.equal(back.r.data.user.emailVerified, true);

      // Opened in a browser signed in as someone else: that browser is now the link's reader.
      const { email: second, mail: secondMail } = await signUp(t, "follow-second");
      const { b: elsewhere, email: third } = await signUp(t, "follow-third");
      const swapped = await visit(elsewhere, secondMail.url);
      assert.equal(swapped.status, 302, swapped.body);
      rec("verify-email link: opened signed in as another reader", outcome(swapped));
      const who = await me(elsewhere);
      rec("verify-email link: opened signed in as another reader, then", { reader: who?.user.email === second ? "the link's" : who?.user.email === third ? "the browser's" : String(who?.user.email) });
    });

    it("untrusted callbackURLs are refused (403) on every lifecycle endpoint", async () => {
      const { b, email } = await signUp(t, "evil");
      const mark = t.box.mark();
      const calls = {
        "send-verification-email": () => b.client.sendVerificationEmail({ email, callbackURL: EVIL }),
        "change-email": () => b.client.changeEmail({ newEmail: uniqueEmail("evil-new"), callbackURL: EVIL }),
        "delete-user": () => b.client.deleteUser({ callbackURL: EVIL }),
        "sign-up": () => browser(t.base).client.signUp.email({ name: "Evil", email: uniqueEmail("evil-up"), password: PW, callbackURL: EVIL }),
      };
      for (const [label, call] of Object.entries(calls)) {
        const r = await call();
        assert.equal(r.error?.status, 403, `${label}: ${JSON.stringify(r.error ?? r.data)}`);
        rec(`${label}: untrusted callbackURL`, failure(r));
      }
      const askedDelete = await b.client.deleteUser({ callbackURL: `${t.base}/bye` });
      assert.equal(askedDelete.error, null);
      const deleteMail = await t.box.next(mark, { to: email, kind: "delete" });
      const token = new URL(deleteMail.url).searchParams.get("token");
      const evil = await visit(b, `${t.base}/api/auth/delete-user/callback?token=${token}&callbackURL=${encodeURIComponent(EVIL)}`);
      assert.equal(evil.status, 403, evil.body);
      rec("delete link: untrusted callbackURL", outcome(evil));
      assert.ok((await me(b))?.user, "not deleted");
      assert.deepEqual((await t.box.settled(mark, { to: email })).map((m) => m.kind), ["delete"], "no other mail");
      const invalid = await b.client.changeEmail({ newEmail: "not an address", callbackURL: `${t.base}/changed` });
      assert.equal(invalid.error?.status, 400);
      rec("change-email: not an address", failure(invalid));
    });

    it("send-verification-email signed out: {status:true} whoever the address is, a mail only to an unverified reader", async () => {
      const stranger = browser(t.base);
      const mark = t.box.mark();
      const nobody = uniqueEmail("nobody");
      const unknown = await stranger.client.sendVerificationEmail({ email: nobody, callbackURL: `${t.base}/welcome` });
      assert.deepEqual(unknown.data, { status: true }, JSON.stringify(unknown.error));

      const { email } = await signUp(t, "resend");
      const before = t.box.mark();
      const known = await stranger.client.sendVerificationEmail({ email, callbackURL: `${t.base}/resent` });
      assert.deepEqual(known.data, { status: true }, JSON.stringify(known.error));
      const resent = await t.box.next(before, { to: email, kind: "verify" });
      assert.equal(linkParts(t, resent.url, "verify-email").callbackURL, `${t.base}/resent`);
      assert.deepEqual(await me(stranger), null);

      const done = await verifiedReader(t, "resend-verified");
      const afterVerified = t.box.mark();
      const verified = await stranger.client.sendVerificationEmail({ email: done.email });
      assert.deepEqual(verified.data, { status: true }, "a verified address gets the same answer");
      assert.deepEqual(await t.box.settled(mark, { to: nobody }), [], "no mail to an unknown address");
      assert.deepEqual(t.box.since(afterVerified, { to: done.email }), [], "no mail to a verified address");
    });

    it("changeEmail for a verified reader: confirmed from the current address, then the new one", async () => {
      const { b, email, id } = await verifiedReader(t, "mover");
      const same = await b.client.changeEmail({ newEmail: email, callbackURL: `${t.base}/changed` });
      assert.equal(same.error?.status, 400);
      assert.equal(same.error?.message, "Email is the same");
      rec("change-email: the same address", failure(same));
      const sameUpper = await b.client.changeEmail({ newEmail: email.toUpperCase(), callbackURL: `${t.base}/changed` });
      rec("change-email: the same address in capitals", failure(sameUpper));
      const signedOut = await browser(t.base).client.changeEmail({ newEmail: uniqueEmail("nope"), callbackURL: `${t.base}/changed` });
      assert.equal(signedOut.error?.status, 401);
      rec("change-email: signed out", failure(signedOut));

      const { email: taken } = await signUp(t, "taken");
      const mark = t.box.mark();
      const toTaken = await b.client.changeEmail({ newEmail: taken, callbackURL: `${t.base}/changed` });
      assert.deepEqual(toTaken.data, { status: true }, `a taken address is not revealed: ${JSON.stringify(toTaken.error)}`);

      const newEmail = uniqueEmail("moved");
      const asked = await b.client.changeEmail({ newEmail, callbackURL: `${t.base}/changed` });
      assert.deepEqual(asked.data, { status: true }, JSON.stringify(asked.error));
      const confirm = await t.box.next(mark, { to: email, kind: "change" });
      assert.deepEqual(linkParts(t, confirm.url, "verify-email").callbackURL, `${t.base}/changed`);
      const c = decode(confirm.token).claims;
      assert.deepEqual([c.email, c.updateTo, c.requestType, c.userId], [email, newEmail, "change-email-confirmation", id]);
      rec("change-email confirmation token", tokenShape(confirm.token));

      // Another signed-in reader opening the confirmation link is refused.
      const { b: intruder } = await signUp(t, "intruder");
      const refused = await visit(intruder, confirm.url);
      assert.equal(refused.status, 302);
      assert.equal(refused.location, `${t.base}/changed?error=INVALID_USER`);
      rec("change-email confirmation link: another reader", outcome(refused));
      assert.deepEqual(t.box.since(mark, { to: newEmail }), [], "nothing sent to the new address for the intruder");

      const confirmed = await visit(b, confirm.url);
      assert.equal(confirmed.status, 302, confirmed.body);
      assert.equal(confirmed.location, `${t.base}/changed`);
      rec("change-email confirmation link", outcome(confirmed));
      const verify = await t.box.next(mark, { to: newEmail, kind: "verify" });
      assert.equal(linkParts(t, verify.url, "verify-email").callbackURL, `${t.base}/changed`);
      const v = decode(verify.token).claims;
      assert.deepEqual([v.email, v.updateTo, v.requestType, v.userId], [email, newEmail, "change-email-verification", id]);
      rec("change-email verification token", tokenShape(verify.token));
      assert.equal((await me(b)).user.email, email, "not changed before the new address is proven");

      const changed = await visit(b, verify.url);
      assert.equal(changed.status, 302, changed.body);
      assert.equal(changed.location, `${t.base}/changed`);
      const now = await me(b);
      assert.deepEqual([now.user.id, now.user.email, now.user.emailVerified], [id, newEmail, true]);
      // Both links again, once the address has changed: their old address no longer matches.
      for (const [label, link] of [["confirmation", confirm.url], ["verification", verify.url]]) {
        const again = await visit(b, link);
        assert.equal(again.location, `${t.base}/changed?error=INVALID_TOKEN`, label);
        rec(`change-email ${label} link: once changed`, outcome(again));
      }
      assert.equal((await me(b)).user.email, newEmail);

      const viaNew = await signIn(t, newEmail);
      assert.equal(viaNew.r.error, null, JSON.stringify(viaNew.r.error));
      assert.equal(viaNew.r.data.user.id, id);
      const viaOld = await signIn(t, email);
      assert.equal(viaOld.r.error?.status, 401);
      rec("sign-in with the old address", failure(viaOld.r));
      // The taken address: no mail to its owner, no second confirmation to the reader.
      assert.deepEqual(t.box.since(mark, { to: taken }), [], "no mail to the taken address");
      assert.equal(t.box.since(mark, { to: email, kind: "change" }).length, 1, "one confirmation: none for the taken address");
    });

    it("changeEmail for an unverified reader: the verification goes straight to the new address", async () => {
      const { b, email } = await signUp(t, "unverified-mover");
      const id = (await me(b)).user.id;
      const mark = t.box.mark();
      const newEmail = uniqueEmail("unverified-moved");
      const asked = await b.client.changeEmail({ newEmail, callbackURL: `${t.base}/changed` });
      assert.deepEqual(asked.data, { status: true }, JSON.stringify(asked.error));
      const verify = await t.box.next(mark, { to: newEmail, kind: "verify" });
      const v = decode(verify.token).claims;
      assert.deepEqual([v.email, v.updateTo, v.requestType, v.userId], [email, newEmail, "change-email-verification", id]);
      assert.deepEqual(t.box.since(mark, { to: email }), [], "nothing to the unverified current address");
      const changed = await visit(b, verify.url);
      assert.equal(changed.status, 302, changed.body);
      assert.equal(changed.location, `${t.base}/changed`);
      const now = await me(b);
      rec("unverified reader's change of address", { email: now.user.email === newEmail, emailVerified: now.user.emailVerified });
      assert.equal(now.user.email, newEmail);
    });

    it("deleteUser mails a link; opened signed in, it deletes the account", async () => {
      const { b, email, mail: signUpMail } = await signUp(t, "leaver");
      const mark = t.box.mark();
      const wrong = await b.client.deleteUser({ password: "not the password 9", callbackURL: `${t.base}/bye` });
      assert.equal(wrong.error?.status, 400);
      rec("delete-user: wrong password", failure(wrong));
      const asked = await b.client.deleteUser({ callbackURL: `${t.base}/bye` });
      assert.deepEqual(asked.data, { success: true, message: "Verification email sent" }, JSON.stringify(asked.error));
      const mail = await t.box.next(mark, { to: email, kind: "delete" });
      const params = linkParts(t, mail.url, "delete-user/callback");
      assert.deepEqual(Object.keys(params).sort(), ["callbackURL", "token"]);
      assert.equal(params.callbackURL, `${t.base}/bye`);
      assert.match(params.token, /^[0-9a-z]{32}$/);
      const signedOut = await visit(browser(t.base), mail.url);
      assert.equal(signedOut.status, 404);
      rec("delete link: signed out", outcome(signedOut));
      const forged = await visit(b, `${t.base}/api/auth/delete-user/callback?token=${"x".repeat(32)}&callbackURL=${encodeURIComponent(`${t.base}/bye`)}`);
      rec("delete link: unknown token", outcome(forged));
      assert.equal(forged.status, 404);
      assert.ok((await me(b))?.user, "still there");

      // With the password too, deletion still goes through the mail.
      const withPassword = await b.client.deleteUser({ password: PW, callbackURL: `${t.base}/bye` });
      assert.deepEqual(withPassword.data, { success: true, message: "Verification email sent" }, JSON.stringify(withPassword.error));
      assert.ok((await me(b))?.user, "still there");

      const cookie = b.jar.header();
      const gone = await visit(b, mail.url);
      assert.equal(gone.status, 302, gone.body);
      assert.equal(gone.location, `${t.base}/bye`);
      assert.ok(sessionCleared(gone.setCookies), "the session cookie is cleared");
      rec("delete link", outcome(gone));
      const old = await fetch(`${t.base}/api/auth/get-session`, { headers: { cookie } });
      assert.equal(await old.text(), "null", "the session is gone");
      const back = await signIn(t, email);
      assert.equal(back.r.error?.status, 401);
      rec("sign-in after deletion", failure(back.r));
      const twice = await visit(b, mail.url);
      rec("delete link: once deleted", outcome(twice));
      const orphan = await visit(browser(t.base), signUpMail.url);
      assert.equal(orphan.location, `${t.base}/welcome?error=USER_NOT_FOUND`);
      rec("verify-email link: account deleted", outcome(orphan));
    });

    it("deleteUser({token}) with the mailed token deletes too; links without a token are refused", async () => {
      const { b, email } = await signUp(t, "token-leaver");
      const noToken = await visit(b, `${t.base}/api/auth/delete-user/callback?callbackURL=${encodeURIComponent(`${t.base}/bye`)}`);
      rec("delete link: no token", outcome(noToken));
      const noVerifyToken = await visit(b, `${t.base}/api/auth/verify-email?callbackURL=${encodeURIComponent(`${t.base}/welcome`)}`);
      rec("verify-email link: no token", outcome(noVerifyToken));
      const mark = t.box.mark();
      assert.equal((await b.client.deleteUser({ callbackURL: `${t.base}/bye` })).error, null);
      const mail = await t.box.next(mark, { to: email, kind: "delete" });
      const token = new URL(mail.url).searchParams.get("token");
      const wrong = await b.client.deleteUser({ token: "0".repeat(32) });
      assert.equal(wrong.error?.status, 404);
      rec("delete-user: wrong token", failure(wrong));
      const cookie = b.jar.header();
      const done = await b.client.deleteUser({ token });
      assert.deepEqual(done.data, { success: true, message: "User deleted" }, JSON.stringify(done.error));
      const old = await fetch(`${t.base}/api/auth/get-session`, { headers: { cookie } });
      assert.equal(await old.text(), "null", "the session is gone");
      assert.equal((await signIn(t, email)).r.error?.status, 401);
    });

    it("a delete link opened by another signed-in reader deletes nobody", async () => {
      const owner = await signUp(t, "owner");
      const mark = t.box.mark();
      const asked = await owner.b.client.deleteUser({ callbackURL: `${t.base}/bye` });
      assert.deepEqual(asked.data, { success: true, message: "Verification email sent" });
      const mail = await t.box.next(mark, { to: owner.email, kind: "delete" });
      const other = await signUp(t, "other");
      const refused = await visit(other.b, mail.url);
      assert.equal(refused.status, 404);
      assert.equal(JSON.parse(refused.body).code, "INVALID_TOKEN");
      rec("delete link: another reader", outcome(refused));
      assert.equal((await me(other.b))?.user.email, other.email, "the other reader is still there");
      assert.equal((await me(owner.b))?.user.email, owner.email, "the owner is still there");

      // Whether the link still works for its owner: KNOWN (Better Auth spent it).
      const ownerTry = await visit(owner.b, mail.url);
      rec("delete link: its owner opens it after another reader did", outcome(ownerTry));
      if (ownerTry.status !== 302) {
        const mark2 = t.box.mark();
        assert.deepEqual((await owner.b.client.deleteUser({ callbackURL: `${t.base}/bye` })).data, { success: true, message: "Verification email sent" });
        const fresh = await t.box.next(mark2, { to: owner.email, kind: "delete" });
        const gone = await visit(owner.b, fresh.url);
        assert.equal(gone.status, 302, gone.body);
        assert.equal(gone.location, `${t.base}/bye`);
      }
      assert.equal((await signIn(t, owner.email)).r.error?.status, 401, "the owner is deleted");
      assert.equal((await signIn(t, other.email)).r.error, null, "the other reader is not");
    });
  });
}

for (const t of required) {
  const rec = (label, value) => record("required", t, label, value);

  describe(`verification required on ${t.name} (${t.base})`, () => {
    it("sign-up answers {token:null} without a session, the same for a taken address; sign-in waits for the link", async () => {
      const { b, email, up, mail: first } = await signUp(t, "required");
      assert.equal(up.data.token, null);
      assert.equal(b.jar.get("better-auth.session_token"), undefined, "no session cookie");
      assert.equal(await me(b), null);
      rec("verification token", tokenShape(first.token));

      const dupBrowser = browser(t.base);
      const dupMark = t.box.mark();
      const dup = await dupBrowser.client.signUp.email({ name: "Someone Else", email, password: "another password 2", callbackURL: `${t.base}/welcome` });
      assert.equal(dup.error, null, `a taken address gets the same answer: ${JSON.stringify(dup.error)}`);
      assert.equal(dup.data.token, null);
      assert.deepEqual(Object.keys(dup.data.user).sort(), Object.keys(up.data.user).sort(), "the same shape");
      assert.deepEqual([dup.data.user.email, dup.data.user.name, dup.data.user.emailVerified], [email, "Someone Else", false]);
      assert.notEqual(dup.data.user.id, up.data.user.id, "not the account's id");
      assert.equal(dupBrowser.jar.get("better-auth.session_token"), undefined, "no session cookie");
      rec("sign-up: shape", { token: up.data.token, user: Object.keys(up.data.user).sort() });
      rec("sign-up: taken address, shape", { token: dup.data.token, user: Object.keys(dup.data.user).sort() });

      const wrong = await signIn(t, email, "another password 2");
      assert.equal(wrong.r.error?.status, 401, "the taken sign-up did not change the password");
      rec("sign-in: wrong password, unverified", failure(wrong.r));
      const unverified = await signIn(t, email);
      assert.equal(unverified.r.error?.status, 403);
      assert.equal(unverified.r.error?.code, "EMAIL_NOT_VERIFIED");
      assert.equal(unverified.b.jar.get("better-auth.session_token"), undefined);
      rec("sign-in: unverified", failure(unverified.r));
      const fresh = await t.box.next(dupMark, { to: email, kind: "verify" }); // a fresh mail (the token may be
      // the same as the first one's: the same claims within the same second)
      const all = await t.box.settled(dupMark, { to: email });
      assert.equal(all.length, 1, `one mail since the taken sign-up (the refused sign-in's): ${JSON.stringify(all.map((m) => m.kind))}`);

      assert.equal(linkParts(t, fresh.url, "verify-email").callbackURL, "/", "sign-in without a callbackURL: back to /");
      // Again with a callbackURL and the address in capitals: the new link goes there.
      const againMark = t.box.mark();
      const again = await browser(t.base).client.signIn.email({ email: email.toUpperCase(), password: PW, callbackURL: `${t.base}/signed-in` });
      assert.equal(again.error?.code, "EMAIL_NOT_VERIFIED");
      rec("sign-in: unverified, address in capitals", failure(again));
      const withCallback = await t.box.next(againMark, { to: email, kind: "verify" });
      assert.equal(linkParts(t, withCallback.url, "verify-email").callbackURL, `${t.base}/signed-in`);

      const w = browser(t.base);
      const r = await visit(w, withCallback.url);
      assert.equal(r.status, 302, r.body);
      assert.equal(r.location, `${t.base}/signed-in`);
      rec("verify-email link", outcome(r));
      assert.equal((await me(w))?.user.emailVerified, true, "the link signs in");
      const used = await visit(browser(t.base), fresh.url);
      assert.equal(used.location, "/", "an earlier link, once verified: off to its callback");

      const ok = await signIn(t, email);
      assert.equal(ok.r.error, null, JSON.stringify(ok.r.error));
      assert.equal(typeof ok.r.data.token, "string");
      assert.equal(ok.r.data.user.emailVerified, true);
    });

    it("a guest still signs in anonymously; a taken address in capitals gets the same sign-up answer", async () => {
      const guest = browser(t.base);
      const anon = await guest.client.signIn.anonymous();
      rec("sign-in anonymous", { error: anon.error ? failure(anon) : null, token: typeof anon.data?.token });
      const { email, up } = await signUp(t, "required-capitals");
      const dup = await browser(t.base).client.signUp.email({ name: "Capitals", email: email.toUpperCase(), password: PW, callbackURL: `${t.base}/welcome` });
      assert.equal(dup.error, null, JSON.stringify(dup.error));
      assert.deepEqual([dup.data.token, dup.data.user.email], [null, email]);
      assert.deepEqual(Object.keys(dup.data.user).sort(), Object.keys(up.data.user).sort());
    });

    it("send-verification-email signed out: a mail to an unverified reader, none to an unknown address", async () => {
      const { email } = await signUp(t, "required-resend");
      const stranger = browser(t.base);
      const mark = t.box.mark();
      const nobody = uniqueEmail("required-nobody");
      for (const address of [email, nobody]) {
        const r = await stranger.client.sendVerificationEmail({ email: address, callbackURL: `${t.base}/welcome` });
        assert.deepEqual(r.data, { status: true }, JSON.stringify(r.error));
      }
      const mail = await t.box.next(mark, { to: email, kind: "verify" });
      const r = await stranger.client.verifyEmail({ query: { token: mail.token } });
      assert.deepEqual(r.data, { status: true, user: null }, JSON.stringify(r.error));
      assert.equal((await me(stranger))?.user.email, email);
      assert.deepEqual(t.box.since(mark, { to: nobody }), []);
    });
  });
}

describe("verification links across Better Auth and Lectern on one database", () => {
  // The links' callbackURLs are each server's own origin, which the other does not trust, so
  // the tokens are followed through the client's verifyEmail (no callbackURL).
  it("a link the peer mailed verifies on Lectern, and one Lectern mailed verifies on the peer", async () => {
    const fromPeer = await signUp(crossPeer, "cross-from-peer");
    const peerMail = fromPeer.mail;
    const onLectern = browser(crossLectern.base);
    const r1 = await onLectern.client.verifyEmail({ query: { token: peerMail.token } });
    assert.deepEqual(r1.data, { status: true, user: null }, JSON.stringify(r1.error));
    const there = await me(onLectern);
    assert.deepEqual([there?.user.email, there?.user.emailVerified], [fromPeer.email, true], "verified and signed in on Lectern");
    assert.equal((await me(fromPeer.b)).user.emailVerified, true, "the peer sees it verified");

    const fromLectern = await signUp(crossLectern, "cross-from-lectern");
    const lecternMail = fromLectern.mail;
    const onPeer = browser(crossPeer.base);
    const r2 = await onPeer.client.verifyEmail({ query: { token: lecternMail.token } });
    assert.deepEqual(r2.data, { status: true, user: null }, JSON.stringify(r2.error));
    const here = await me(onPeer);
    assert.deepEqual([here?.user.email, here?.user.emailVerified], [fromLectern.email, true], "verified and signed in on the peer");
    assert.equal((await me(fromLectern.b)).user.emailVerified, true, "Lectern sees it verified");
  });

  it("a change of address asked on the peer, confirmed on Lectern, proven on the peer", async () => {
    const { b, email, id } = await verifiedReader(crossPeer, "cross-mover");
    const newEmail = uniqueEmail("cross-moved");
    const peerMark = crossPeer.box.mark(), lecternMark = crossLectern.box.mark();
    const asked = await b.client.changeEmail({ newEmail, callbackURL: `${crossPeer.base}/changed` });
    assert.deepEqual(asked.data, { status: true }, JSON.stringify(asked.error));
    const confirm = await crossPeer.box.next(peerMark, { to: email, kind: "change" });
    const confirmed = await browser(crossLectern.base).client.verifyEmail({ query: { token: confirm.token } });
    assert.deepEqual(confirmed.data, { status: true }, JSON.stringify(confirmed.error));
    const verify = await crossLectern.box.next(lecternMark, { to: newEmail, kind: "verify" });
    const v = decode(verify.token).claims;
    assert.deepEqual([v.email, v.updateTo, v.requestType, v.userId], [email, newEmail, "change-email-verification", id]);
    const changed = await b.client.verifyEmail({ query: { token: verify.token } });
    assert.equal(changed.error, null, JSON.stringify(changed.error));
    assert.deepEqual([changed.data.status, changed.data.user?.email], [true, newEmail]);
    const now = await me(b);
    assert.deepEqual([now.user.id, now.user.email, now.user.emailVerified], [id, newEmail, true]);
  });
});

describe("account lifecycle side by side", () => {
  for (const group of ["optional", "required"]) {
    it(`every server answers the same way (${group})`, () => {
      if (process.env.COMPAT_ARTIFACTS) {
        writeFileSync(join(process.env.COMPAT_ARTIFACTS, `lifecycle-${group}-outcomes.json`), `${JSON.stringify(seen[group], null, 2)}\n`);
      }
      const names = (group === "optional" ? optional : required).map((t) => t.name);
      const answers = seen[group];
      assert.deepEqual(Object.keys(answers).sort(), [...names].sort(), "every target ran");
      const rest = {};
      for (const name of names) {
        rest[name] = { ...answers[name] };
        for (const [label, known] of Object.entries(KNOWN)) {
          if (!(label in rest[name])) continue;
          assert.deepEqual(rest[name][label], known[kindOf(name)], `${name}, "${label}": ${known.reason}`);
          delete rest[name][label];
        }
      }
      const [first, ...others] = names;
      for (const other of others) assert.deepEqual(rest[other], rest[first], `${other} answers as ${first}`);
    });
  }
});
