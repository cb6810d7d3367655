// Social sign-in (Better Auth's signIn.social, /callback/:id, linkSocial) with the official
// `better-auth` client, on Lectern and on the reference peer: the same assertions on both,
// and the same answers to the same failures, compared once all targets have run.
//
//   SOCIAL_TARGETS="lectern=http://…,peer=http://…" SOCIAL_IDP_URL=http://… \
//     node --test social.test.mjs
//
// Every target has its own fresh database and the same three providers, all served by the
// test IdP (tests/idp/server.mjs, started by run.sh):
//   github   GitHub's OAuth endpoints (the IdP's /github stand-in)
//   google   Google's provider, talking to the IdP's OIDC provider
//   campus   a generic OIDC provider, configured by discovery (the IdP's /oidc)
// Client ids are the ones run.sh registers (CLIENT_IDS below).
//
// The one test-only difference: Better Auth hardcodes GitHub's and Google's hosts, so the peer
// is patched (peer-social.mjs) to send its server-side requests to the IdP, and the authorize
// URL it answers is rewritten here the same way (rewriteAuthorizeUrl) before the "browser"
// follows it. Lectern is configured with the IdP's URLs, so the rewrite leaves its URLs alone.
//
// A "browser" is the official client with a cookie jar (cookieClient) plus visit(), a
// top-level navigation to the relying party that does not follow redirects.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { browser, visit } from "./lib/clients.mjs";
import { requireEnv, targetsFromEnv } from "./lib/env.mjs";
import { loginAtIdp } from "../idp/login.mjs";
import { avatarUrl, profileFor } from "../idp/people.mjs";

const targets = targetsFromEnv("SOCIAL_TARGETS");
const IDP = requireEnv("SOCIAL_IDP_URL", "the test IdP, tests/idp/server.mjs").replace(/\/$/, "");
/** As registered by run.sh with the IdP, Lectern and the peer. */
const CLIENT_IDS = { github: "compat-github", google: "compat-google", campus: "compat-campus" };
/** Where each provider's authorization request must land (after the rewrite). */
const AUTHORIZE = { github: `${IDP}/github/login/oauth/authorize`, google: `${IDP}/oidc/auth`, campus: `${IDP}/oidc/auth` };
const SCOPES = { github: ["user:email"], google: ["openid", "email", "profile"], campus: ["openid", "email", "profile"] };
const PROVIDERS = Object.keys(CLIENT_IDS);
const STATE_COOKIE = "better-auth.state";

/** Mirrors peer-social.mjs: Better Auth's hardcoded authorize endpoints -> the IdP's. */
function rewriteAuthorizeUrl(url) {
  for (const [from, to] of [
    ["https://github.com/login/oauth/authorize", AUTHORIZE.github],
    ["https://accounts.google.com/o/oauth2/v2/auth", AUTHORIZE.google],
  ]) if (url.startsWith(from)) return to + url.slice(from.length);
  return url;
}

// Logins are unique per run (the servers' databases may outlive one run of this file); the
// prefix decides what the IdP says about them (see tests/idp/people.mjs).
const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;
const loginFor = (prefix) => `${prefix}-${RUN}-${++counter}@example.test`;

/** What each target answered to the failures, compared at the end. */
const seen = {};

const sessionCookieSet = (r) => r.setCookies.some((c) => /^better-auth\.session_token=[^;]+/.test(c) && !/max-age=0/i.test(c));

/** Where a failed flow was sent, with the server's and the IdP's origins as placeholders. */
function outcome(b, r) {
  return {
    status: r.status,
    location: (r.location ?? "").replaceAll(b.base, "<BASE>").replaceAll(IDP, "<IDP>"),
    sessionCookie: sessionCookieSet(r),
  };
}
function record(name, label, value) {
  (seen[name] ??= {})[label] = value;
}

/** signIn.social in the browser; answers the (rewritten) authorize URL. */
async function begin(b, provider, extra = {}) {
  const r = await b.client.signIn.social({
    provider,
    callbackURL: `${b.base}/welcome-back`,
    newUserCallbackURL: `${b.base}/welcome`,
    errorCallbackURL: `${b.base}/oops`,
    disableRedirect: true,
    ...extra,
  });
  assert.equal(r.error, null, `signIn.social(${provider}): ${JSON.stringify(r.error)}`);
  assert.equal(r.data.redirect, false);
  return rewriteAuthorizeUrl(r.data.url);
}

/** A whole sign-in: signIn.social, the IdP's login page, back to the callback. */
async function signIn(base, provider, login, { b = browser(base), deny = false, extra } = {}) {
  const authorizeUrl = await begin(b, provider, extra);
  const callback = await loginAtIdp(authorizeUrl, login, { deny });
  const landed = await visit(b, callback);
  return { b, authorizeUrl, callback, landed };
}

async function me(b) {
  const s = await b.client.getSession();
  assert.equal(s.error, null, JSON.stringify(s.error));
  return s.data;
}
async function providerIds(b) {
  const a = await b.client.listAccounts();
  assert.equal(a.error, null, JSON.stringify(a.error));
  return a.data.map((x) => x.providerId).sort();
}

async function setFault(value) {
  const res = await fetch(`${IDP}/__faults`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: value }),
  });
  assert.equal(res.status, 200, `setting the IdP's token fault to ${value}: ${await res.text()}`);
}

async function signUp(base, email) {
  const b = browser(base);
  const up = await b.client.signUp.email({ name: "Password Person", email, password: "social compat 1" });
  assert.equal(up.error, null, JSON.stringify(up.error));
  assert.equal(up.data.user.emailVerified, false, "sign-up leaves the email unverified");
  return b;
}

/** The redirect's target without its query, and its query. */
function split(location) {
  const u = new URL(location);
  return { at: `${u.origin}${u.pathname}`, params: Object.fromEntries(u.searchParams) };
}

after(() => setFault(null).catch(() => {})); // never leave the IdP broken for the next file

for (const [name, base] of targets) {
  describe(`social sign-in on ${name} (${base})`, () => {
    it("signIn.social answers each provider's authorization URL and sets the state cookie", async () => {
      for (const provider of PROVIDERS) {
        const b = browser(base);
        const r = await b.client.signIn.social({ provider, callbackURL: `${base}/welcome-back`, disableRedirect: true });
        assert.equal(r.error, null, `${provider}: ${JSON.stringify(r.error)}`);
        assert.deepEqual(Object.keys(r.data).sort(), ["redirect", "url"]);
        assert.equal(r.data.redirect, false);
        const url = new URL(rewriteAuthorizeUrl(r.data.url));
        const q = url.searchParams;
        assert.equal(`${url.origin}${url.pathname}`, AUTHORIZE[provider], `${provider}: the provider's authorize endpoint`);
        assert.equal(q.get("response_type"), "code", provider);
        assert.equal(q.get("client_id"), CLIENT_IDS[provider], provider);
        assert.equal(q.get("redirect_uri"), `${base}/api/auth/callback/${provider}`, provider);
        assert.match(q.get("state") ?? "", /^[A-Za-z0-9_-]{16,}$/, `${provider}: state`);
        assert.equal(q.get("code_challenge_method"), "S256", provider);
        assert.match(q.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/, `${provider}: code_challenge`);
        const scopes = (q.get("scope") ?? "").split(" ");
        for (const s of SCOPES[provider]) assert.ok(scopes.includes(s), `${provider}: scope ${s} in ${q.get("scope")}`);
        if (provider === "campus") assert.match(q.get("nonce") ?? "", /^.{16,}$/, "an OIDC provider with a JWKS gets a nonce");
        assert.ok(b.jar.get(STATE_COOKIE), `${provider}: the ${STATE_COOKIE} cookie is set`);
        assert.equal(b.jar.sessionToken(), undefined, "no session yet");
      }
    });

    for (const provider of PROVIDERS) {
      it(`${provider}: a new person lands on newUserCallbackURL, the same person later on callbackURL`, async () => {
        const login = loginFor(`new-${provider}`);
        const who = profileFor(login);
        const first = await signIn(base, provider, login);
        assert.equal(first.landed.status, 302, first.landed.body);
        assert.equal(first.landed.location, `${base}/welcome`);
        assert.ok(sessionCookieSet(first.landed), "the callback sets the session cookie");
        assert.equal(first.b.jar.get(STATE_COOKIE), undefined, "the state cookie is cleared");
        const one = await me(first.b);
        assert.equal(one.user.email, login);
        assert.equal(one.user.name, who.name);
        assert.equal(one.user.image, avatarUrl(IDP, login));
        assert.equal(one.user.emailVerified, true);
        const accounts = await first.b.client.listAccounts();
        assert.equal(accounts.error, null, JSON.stringify(accounts.error));
        assert.deepEqual(accounts.data.map((a) => [a.providerId, a.accountId]),
          [[provider, provider === "github" ? String(who.githubId) : login]]);

        const again = await signIn(base, provider, login);
        assert.equal(again.landed.status, 302, again.landed.body);
        assert.equal(again.landed.location, `${base}/welcome-back`, "newUserCallbackURL is for the first sign-in only");
        const two = await me(again.b);
        assert.equal(two.user.id, one.user.id, "the same person is the same user");
        assert.notEqual(two.session.token, one.session.token, "a new session");
        assert.deepEqual(await providerIds(again.b), [provider], "no second account");
      });
    }

    it("github: a private email is the primary address from /user/emails", async () => {
      const login = loginFor("private");
      const { b, landed } = await signIn(base, "github", login);
      assert.equal(landed.status, 302, landed.body);
      assert.equal(landed.location, `${base}/welcome`);
      const s = await me(b);
      assert.equal(s.user.email, login, "the primary address (listed second), not the first or none");
      assert.equal(s.user.emailVerified, true);
    });

    it("an email the provider has not verified stays unverified", async () => {
      for (const provider of ["campus", "github"]) {
        const login = loginFor("unverified");
        const { b, landed } = await signIn(base, provider, login);
        assert.equal(landed.status, 302, landed.body);
        assert.equal(landed.location, `${base}/welcome`, provider);
        const s = await me(b);
        assert.equal(s.user.email, login);
        assert.equal(s.user.emailVerified, false, provider);
      }
    });

    it("a provider that gives no email: error=email_not_found, no session", async () => {
      for (const provider of ["campus", "github"]) {
        const { b, landed } = await signIn(base, provider, `noemail-${RUN}-${++counter}`);
        assert.equal(landed.status, 302, landed.body);
        assert.deepEqual(split(landed.location), { at: `${base}/oops`, params: { error: "email_not_found" } }, provider);
        assert.equal(sessionCookieSet(landed), false);
        assert.equal(b.jar.sessionToken(), undefined);
        record(name, `no email (${provider})`, outcome(b, landed));
      }
    });

    it("refuses an unknown provider and untrusted callback URLs before the provider", async () => {
      const b = browser(base);
      const unknown = await b.client.signIn.social({ provider: "nope", callbackURL: `${base}/x`, disableRedirect: true });
      assert.equal(unknown.error?.status, 404);
      assert.equal(unknown.error.code, "PROVIDER_NOT_FOUND");
      assert.equal(unknown.error.message, "Provider not found");
      const refusals = {};
      for (const [field, code] of [["callbackURL", "INVALID_CALLBACK_URL"], ["errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"],
        ["newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"]]) {
        const r = await b.client.signIn.social({ provider: "campus", callbackURL: `${base}/x`, [field]: "https://evil.example/", disableRedirect: true });
        assert.equal(r.error?.status, 403, field);
        assert.equal(r.error.code, code, field);
        refusals[field] = { status: r.error.status, code: r.error.code, message: r.error.message };
      }
      assert.equal(b.jar.get(STATE_COOKIE), undefined, "no flow was started");
      record(name, "before the provider", { unknown: { status: unknown.error.status, code: unknown.error.code, message: unknown.error.message }, ...refusals });
    });

    it("a tampered state: error=state_mismatch at Better Auth's error page, no session", async () => {
      const b = browser(base);
      const back = new URL(await loginAtIdp(await begin(b, "campus"), loginFor("tamper")));
      back.searchParams.set("state", "x".repeat(32));
      const r = await visit(b, back.href);
      assert.equal(r.status, 302, r.body);
      assert.deepEqual(split(r.location), { at: `${base}/api/auth/error`, params: { error: "state_mismatch" } });
      assert.equal(sessionCookieSet(r), false);
      record(name, "tampered state", outcome(b, r));
    });

    it("a callback opened without the browser's state cookie fails; the browser's own still works", async () => {
      const login = loginFor("elsewhere");
      const b = browser(base);
      const back = await loginAtIdp(await begin(b, "campus"), login);
      const stranger = browser(base);
      const r = await visit(stranger, back);
      assert.equal(r.status, 302, r.body);
      assert.deepEqual(split(r.location), { at: `${base}/oops`, params: { error: "state_mismatch" } });
      assert.equal(sessionCookieSet(r), false);
      record(name, "no state cookie", outcome(stranger, r));
      const mine = await visit(b, back);
      assert.equal(mine.status, 302, mine.body);
      assert.equal(mine.location, `${base}/welcome`, "the refused stranger did not spend the browser's flow");
      assert.equal((await me(b)).user.email, login);
    });

    it("a replayed callback (same code and state) fails, with or without the old state cookie", async () => {
      const b = browser(base);
      const stateCookie = () => b.jar.get(STATE_COOKIE);
      const authorizeUrl = await begin(b, "campus");
      const kept = stateCookie();
      const back = await loginAtIdp(authorizeUrl, loginFor("replay"));
      const ok = await visit(b, back);
      assert.equal(ok.status, 302, ok.body);
      assert.equal(ok.location, `${base}/welcome`);
      const token = b.jar.sessionToken();

      const again = await visit(b, back);
      assert.equal(again.status, 302, again.body);
      assert.deepEqual(split(again.location), { at: `${base}/api/auth/error`, params: { error: "state_mismatch" } });
      assert.equal(sessionCookieSet(again), false);
      record(name, "replayed callback", outcome(b, again));

      const thief = browser(base);
      thief.jar.cookies.set(STATE_COOKIE, kept);
      const stolen = await visit(thief, back);
      assert.equal(stolen.status, 302, stolen.body);
      assert.deepEqual(split(stolen.location), { at: `${base}/api/auth/error`, params: { error: "state_mismatch" } });
      assert.equal(sessionCookieSet(stolen), false);
      record(name, "replayed callback with the state cookie", outcome(thief, stolen));
      assert.equal(b.jar.sessionToken(), token, "the first sign-in's session stands");
    });

    it("the person denies at the provider: errorCallbackURL?error=access_denied, no session", async () => {
      const described = { campus: "The user denied the request", github: "The user has denied your application access." };
      for (const provider of ["campus", "github"]) {
        const { b, callback, landed } = await signIn(base, provider, loginFor("deny"), { deny: true });
        assert.equal(new URL(callback).searchParams.get("error"), "access_denied", "the IdP answered access_denied");
        assert.equal(landed.status, 302, landed.body);
        assert.deepEqual(split(landed.location),
          { at: `${base}/oops`, params: { error: "access_denied", error_description: described[provider] } }, provider);
        assert.equal(sessionCookieSet(landed), false);
        record(name, `denied (${provider})`, outcome(b, landed));
      }
    });

    it("the provider's token endpoint answers 500: error=invalid_code, and no user is created", async () => {
      for (const provider of ["campus", "github"]) {
        const login = loginFor(`tokenfail-${provider}`);
        let failed;
        await setFault("500");
        try {
          failed = await signIn(base, provider, login);
        } finally {
          await setFault(null);
        }
        assert.equal(failed.landed.status, 302, failed.landed.body);
        assert.deepEqual(split(failed.landed.location), { at: `${base}/oops`, params: { error: "invalid_code" } }, provider);
        assert.equal(sessionCookieSet(failed.landed), false);
        record(name, `token endpoint 500 (${provider})`, outcome(failed.b, failed.landed));
        const later = await signIn(base, provider, login);
        assert.equal(later.landed.location, `${base}/welcome`, `${provider}: the next sign-in is still a new user's`);
      }
    });

    it("no takeover: a provider's verified email does not sign in as an unverified local account", async () => {
      const email = loginFor("local");
      const owner = await signUp(base, email);
      for (const provider of PROVIDERS) {
        const { b, landed } = await signIn(base, provider, email);
        assert.equal(landed.status, 302, landed.body);
        assert.deepEqual(split(landed.location), { at: `${base}/oops`, params: { error: "account_not_linked" } }, provider);
        assert.equal(sessionCookieSet(landed), false, provider);
        assert.equal(b.jar.sessionToken(), undefined);
        record(name, `account not linked (${provider})`, outcome(b, landed));
      }
      assert.deepEqual(await providerIds(owner), ["credential"], "no provider account was attached to the local user");
      assert.equal((await me(owner)).user.emailVerified, false);
    });

    it("linkSocial: a signed-in person links campus with the same verified email", async () => {
      const email = loginFor("linker");
      const b = await signUp(base, email);
      const userId = (await me(b)).user.id;
      const r = await b.client.linkSocial({ provider: "campus", callbackURL: `${base}/linked`, errorCallbackURL: `${base}/oops`, disableRedirect: true });
      assert.equal(r.error, null, JSON.stringify(r.error));
      assert.equal(r.data.redirect, false);
      const url = new URL(r.data.url);
      assert.equal(`${url.origin}${url.pathname}`, AUTHORIZE.campus);
      assert.equal(url.searchParams.get("redirect_uri"), `${base}/api/auth/callback/campus`);
      const landed = await visit(b, await loginAtIdp(r.data.url, email));
      assert.equal(landed.status, 302, landed.body);
      assert.equal(landed.location, `${base}/linked`);
      assert.deepEqual(await providerIds(b), ["campus", "credential"]);
      assert.equal((await me(b)).user.id, userId, "still the same person");

      const viaCampus = await signIn(base, "campus", email);
      assert.equal(viaCampus.landed.location, `${base}/welcome-back`, "the linked account signs in");
      assert.equal((await me(viaCampus.b)).user.id, userId);
    });

    it("linkSocial refuses another email, an unverified email, and a signed-out caller", async () => {
      const cases = [
        ["another email", loginFor("linkee"), (email) => loginFor("someone-else"), "email_does_not_match"],
        ["unverified email", loginFor("unverified-linkee"), (email) => email, "unable_to_link_account"],
      ];
      for (const [label, email, loginOf, code] of cases) {
        const b = await signUp(base, email);
        const r = await b.client.linkSocial({ provider: "campus", callbackURL: `${base}/linked`, errorCallbackURL: `${base}/oops`, disableRedirect: true });
        assert.equal(r.error, null, JSON.stringify(r.error));
        const landed = await visit(b, await loginAtIdp(r.data.url, loginOf(email)));
        assert.equal(landed.status, 302, landed.body);
        assert.deepEqual(split(landed.location), { at: `${base}/oops`, params: { error: code } }, label);
        assert.deepEqual(await providerIds(b), ["credential"], `${label}: nothing linked`);
        record(name, `link: ${label}`, outcome(b, landed));
      }
      const signedOut = browser(base);
      const r = await signedOut.client.linkSocial({ provider: "campus", callbackURL: `${base}/linked`, disableRedirect: true });
      assert.equal(r.error?.status, 401);
      record(name, "link: signed out", { status: r.error.status, code: r.error.code, message: r.error.message });
    });
  });
}

describe("social sign-in side by side", () => {
  it("every server answers the same failures the same way", () => {
    if (process.env.COMPAT_ARTIFACTS) {
      writeFileSync(join(process.env.COMPAT_ARTIFACTS, "social-outcomes.json"), `${JSON.stringify(seen, null, 2)}\n`);
    }
    assert.deepEqual(Object.keys(seen).sort(), targets.map(([n]) => n).sort(), "every target ran");
    const [first, ...rest] = Object.keys(seen);
    for (const other of rest) assert.deepEqual(seen[other], seen[first], `${other} answers as ${first}`);
  });
});
