// JWTs across implementations. Lectern issues them as Better Auth's jwt plugin does; here
// independent verifiers check that claim, and Lectern's api role checks other issuers' tokens:
//
//   1. jose (createRemoteJWKSet, issuer/audience checked) on EdDSA, ES256 and RS256 tokens,
//      from GET /token (bearer and cookie) and from get-session's set-auth-jwt header
//   2. PyJWT: the FastAPI peer (the original design's resource server, unchanged) and
//      python/verify_jwt.py (PyJWKClient) for every algorithm
//   3. `lectern keys rotate` in another process while a server runs: old tokens keep
//      verifying, the JWKS lists both keys, new tokens carry the new kid within 70 s
//   4. `lectern serve --role api --auth-url URL` verifying the Better Auth peer's JWTs and
//      a Lectern auth role's
//
// run.sh starts every server and sets the JWT_* variables (see its header). Nothing here is
// ever skipped: a missing server or tool is a failure that says what is missing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { call, post } from "./lib/http.mjs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";

const LECTERN = requireEnv("JWT_LECTERN_URL", "Lectern, PostgreSQL, default EdDSA");
const ES256 = requireEnv("JWT_ES256_URL", "Lectern with LECTERN_JWT_ALG=ES256");
const RS256 = requireEnv("JWT_RS256_URL", "Lectern with LECTERN_JWT_ALG=RS256");
const ROTATE = requireEnv("JWT_ROTATE_URL", "Lectern whose keys this file rotates");
const ROTATE_DB = requireEnv("JWT_ROTATE_DATABASE_URL", "DATABASE_URL of JWT_ROTATE_URL");
const SECRET = requireEnv("JWT_SECRET", "BETTER_AUTH_SECRET of JWT_ROTATE_URL");
const LECTERN_BIN = requireEnv("LECTERN_BIN", "the lectern binary the servers run");
const FASTAPI = requireEnv("JWT_FASTAPI_URL", "the FastAPI peer, trusting JWT_LECTERN_URL");
const FASTAPI_LOG = requireEnv("JWT_FASTAPI_LOG", "the FastAPI peer's log file");
const PYTHON = requireEnv("JWT_PYTHON", "python of the venv with PyJWT");
const PEER = requireEnv("JWT_PEER_URL", "Better Auth 1.7 peer, jwt plugin");
const AUTH_ROLE = requireEnv("JWT_AUTH_ROLE_URL", "lectern serve --role auth");
const API_PEER = requireEnv("JWT_API_PEER_URL", "lectern serve --role api --auth-url JWT_PEER_URL");
const API_SPLIT = requireEnv("JWT_API_SPLIT_URL", "lectern serve --role api --auth-url JWT_AUTH_ROLE_URL");
const VERIFY_PY = fileURLToPath(new URL("./python/verify_jwt.py", import.meta.url));

const PW = "jwt interop 1";
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const LIFETIME = 15 * 60; // Better Auth's default expirationTime, "15m"

// The issuers under test: algorithm, URL, what its public JWKs look like.
const ISSUERS = [
  { alg: "EdDSA", base: LECTERN, jwk: { kty: "OKP", crv: "Ed25519" }, fields: ["alg", "crv", "kid", "kty", "x"] },
  { alg: "ES256", base: ES256, jwk: { kty: "EC", crv: "P-256" }, fields: ["alg", "crv", "kid", "kty", "x", "y"] },
  { alg: "RS256", base: RS256, jwk: { kty: "RSA" }, fields: ["alg", "e", "kid", "kty", "n"] },
];

// ---------------------------------------------------------------- helpers

/** Signs a new reader up (raw HTTP, works on Lectern and on the peer). */
async function reader(base, label) {
  const email = uniqueEmail(label);
  const res = await post(base, "/sign-up/email", { name: `JWT ${label}`, email, password: PW });
  assert.equal(res.status, 200, `sign-up on ${base}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.ok(res.authToken, `sign-up on ${base}: no set-auth-token header`);
  assert.ok(res.sessionCookie, `sign-up on ${base}: no session cookie`);
  return { email: email.toLowerCase(), user: res.body.user, bearer: res.authToken, cookie: res.sessionCookie };
}

/** GET /api/auth/token with {bearer} or {cookie}: the JWT. */
async function jwtFor(base, auth, what) {
  const res = await call(base, "/token", auth);
  assert.equal(res.status, 200, `${what}: GET ${base}/api/auth/token: ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(res.body?.token ?? "", JWT, `${what}: /token answers {token: <JWT>}, got ${JSON.stringify(res.body)}`);
  return res.body.token;
}

const jwksUrl = (base) => new URL(`${base}/api/auth/jwks`);
const remoteSet = (base) => createRemoteJWKSet(jwksUrl(base), { timeoutDuration: 10000 });

/** jose as a resource server uses it: remote JWKS, one algorithm, iss and aud = the auth URL. */
function verifyJose(base, token, alg, jwks = remoteSet(base)) {
  return jwtVerify(token, jwks, {
    issuer: base, audience: base, algorithms: [alg], requiredClaims: ["iat", "exp", "sub"],
  });
}

/** The promise must reject with this jose error code. */
async function rejectsWith(promise, code, what) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, `${what}: expected ${code}, got ${e.code}: ${e.message}`);
    return true;
  }, `${what}: expected ${code}`);
}

/** The token with payload claims changed and the original signature kept. */
function tamper(token, changes = { sub: "someone-else" }) {
  const [h, p, s] = token.split(".");
  const payload = { ...JSON.parse(Buffer.from(p, "base64url").toString()), ...changes };
  return [h, Buffer.from(JSON.stringify(payload)).toString("base64url"), s].join(".");
}

async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(15000) });
  const text = await res.text();
  let body = text;
  try { body = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  return { status: res.status, body, headers: res.headers };
}
const bearer = (token) => (token ? { authorization: `Bearer ${token}` } : {});

async function jwksOf(base) {
  const res = await getJson(`${base}/api/auth/jwks`);
  assert.equal(res.status, 200, `GET ${base}/api/auth/jwks: ${res.status} ${JSON.stringify(res.body)}`);
  assert.ok(Array.isArray(res.body?.keys), `JWKS of ${base} is {keys: [...]}, got ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What every Lectern JWT must say about its reader. */
function checkClaims(what, { payload, protectedHeader }, { base, r, alg, kids }) {
  assert.equal(protectedHeader.alg, alg, `${what}: header alg`);
  assert.ok(kids.includes(protectedHeader.kid), `${what}: kid ${protectedHeader.kid} is one of the JWKS's ${kids}`);
  assert.equal(payload.sub, r.user.id, `${what}: sub is the user id`);
  assert.equal(payload.id, r.user.id, `${what}: the user's fields are claims (id)`);
  assert.equal(payload.email, r.email, `${what}: email claim`);
  assert.equal(payload.iss, base, `${what}: iss is BETTER_AUTH_URL`);
  assert.equal(payload.aud, base, `${what}: aud is BETTER_AUTH_URL`);
  assert.equal(payload.exp - payload.iat, LIFETIME, `${what}: exp = iat + 15 min`);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, `${what}: iat ${payload.iat} is now`);
}

/** Runs a program to completion (bounded); rejects with its output when it fails. */
function run(file, args, { env, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = err.killed ? `killed after ${timeout} ms` : `exit ${err.code}`;
        reject(new Error(`${file} ${args.join(" ")}: ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      } else resolve({ stdout, stderr });
    });
  });
}

/** python/verify_jwt.py on some tokens: one result per token. */
async function pyjwt(base, alg, tokens) {
  const { stdout } = await run(PYTHON, [VERIFY_PY, "--jwks", `${base}/api/auth/jwks`,
    "--issuer", base, "--audience", base, "--alg", alg, ...tokens], {
    env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: "1" },
  });
  const results = stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(results.length, tokens.length, `verify_jwt.py: one line per token, got ${stdout}`);
  return results;
}

/** `lectern keys ...` with exactly the rotated server's DATABASE_URL and secret. */
function lecternKeys(args) {
  return run(LECTERN_BIN, ["keys", ...args], {
    env: { PATH: process.env.PATH, DATABASE_URL: ROTATE_DB, BETTER_AUTH_SECRET: SECRET, NO_COLOR: "1" },
    timeout: 30000,
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The api role is new: until it lands (or when it did not start), run.sh says why.
function requireApiRole() {
  const missing = process.env.JWT_API_ROLE_MISSING;
  if (missing) assert.fail(missing);
}

/** The api role's 401: {"code":"UNAUTHORIZED","message":...}. */
function unauthorized(res, what) {
  assert.equal(res.status, 401, `${what}: expected 401, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body?.code, "UNAUTHORIZED", `${what}: body ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body?.message, "string", `${what}: message in ${JSON.stringify(res.body)}`);
}

// ---------------------------------------------------------------- tests
// The rotation test spends most of its time waiting for the running server's 60 s key
// recheck, so the groups run concurrently; tests within a group run in order.

describe("JWT interoperability", { concurrency: true }, () => {
  describe("jose verifies Lectern's JWTs (createRemoteJWKSet, issuer and audience checked)", () => {
    for (const { alg, base, jwk, fields } of ISSUERS) {
      it(`${alg} (${base}): /token by bearer and by cookie, set-auth-jwt on get-session`, async () => {
        const r = await reader(base, `jose-${alg}`);
        const byBearer = await jwtFor(base, { bearer: r.bearer }, "bearer");
        const byCookie = await jwtFor(base, { cookie: r.cookie }, "cookie");
        const session = await call(base, "/get-session", { bearer: r.bearer });
        assert.equal(session.status, 200, `get-session: ${session.status}`);
        assert.equal(session.body?.user?.id, r.user.id);
        const headerJwt = session.headers.get("set-auth-jwt");
        assert.match(headerJwt ?? "", JWT, "get-session sends set-auth-jwt");

        const set = await jwksOf(base);
        const kids = set.keys.map((k) => k.kid);
        assert.equal(set.keys.length, 1, `one key so far: ${JSON.stringify(set)}`);
        for (const k of set.keys) {
          assert.deepEqual(Object.keys(k).sort(), fields, `public JWK fields (no private parts): ${JSON.stringify(k)}`);
          assert.equal(k.alg, alg);
          for (const [f, v] of Object.entries(jwk)) assert.equal(k[f], v, `JWK ${f}`);
        }
        const wellKnown = await getJson(`${base}/.well-known/jwks.json`);
        assert.equal(wellKnown.status, 200, "/.well-known/jwks.json");
        assert.deepEqual(wellKnown.body, set, "/.well-known/jwks.json is the same JWKS");

        const jwks = remoteSet(base);
        for (const [what, token] of [["/token by bearer", byBearer], ["/token by cookie", byCookie], ["set-auth-jwt", headerJwt]]) {
          checkClaims(what, await verifyJose(base, token, alg, jwks), { base, r, alg, kids });
        }

        await rejectsWith(verifyJose(base, tamper(byBearer), alg, jwks), "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "tampered sub");
        await rejectsWith(jwtVerify(byBearer, jwks, { issuer: base, audience: "https://elsewhere.example" }),
          "ERR_JWT_CLAIM_VALIDATION_FAILED", "wrong audience");
        await rejectsWith(jwtVerify(byBearer, jwks, { issuer: "https://elsewhere.example", audience: base }),
          "ERR_JWT_CLAIM_VALIDATION_FAILED", "wrong issuer");
        const otherAlg = alg === "EdDSA" ? "ES256" : "EdDSA";
        await rejectsWith(jwtVerify(byBearer, jwks, { issuer: base, audience: base, algorithms: [otherAlg] }),
          "ERR_JOSE_ALG_NOT_ALLOWED", `only ${otherAlg} allowed`);
      });
    }

    it("without a session, GET /token answers as the Better Auth peer does, and get-session sends no set-auth-jwt", async () => {
      const [lectern, peer] = [await call(LECTERN, "/token"), await call(PEER, "/token")];
      assert.equal(lectern.status, peer.status, `status: lectern ${lectern.status}, peer ${peer.status}`);
      assert.deepEqual(lectern.body, peer.body, "body");
      assert.ok(lectern.status >= 400, `no JWT without a session (got ${lectern.status})`);
      const s = await call(LECTERN, "/get-session");
      assert.equal(s.headers.get("set-auth-jwt"), null);
    });

    it("Lectern's JWT has the Better Auth peer's header and claim names", async (t) => {
      const [l, p] = [await reader(LECTERN, "shape-lectern"), await reader(PEER, "shape-peer")];
      const [lt, pt] = [await jwtFor(LECTERN, { bearer: l.bearer }, "lectern"), await jwtFor(PEER, { bearer: p.bearer }, "peer")];
      const [lh, ph] = [decodeProtectedHeader(lt), decodeProtectedHeader(pt)];
      const [lp, pp] = [decodeJwt(lt), decodeJwt(pt)];
      assert.deepEqual(Object.keys(lh).sort(), Object.keys(ph).sort(), `header: lectern ${JSON.stringify(lh)}, peer ${JSON.stringify(ph)}`);
      assert.equal(lh.alg, ph.alg, "same default algorithm");
      assert.deepEqual(Object.keys(lp).sort(), Object.keys(pp).sort(), "claim names");
      assert.equal(pp.exp - pp.iat, LIFETIME, "the peer's lifetime (the expectation's source)");
      assert.equal(pp.iss, PEER);
      assert.equal(pp.aud, PEER);
      if (Object.keys(lp).join() !== Object.keys(pp).join()) {
        t.diagnostic(`claim order differs: lectern ${Object.keys(lp)}, peer ${Object.keys(pp)}`);
      }
    });
  });

  describe("PyJWT verifies Lectern's JWTs", () => {
    it("the FastAPI peer (PyJWKClient, EdDSA, iss/aud) answers GET /api/me for a Lectern JWT", async () => {
      const r = await reader(LECTERN, "fastapi");
      const token = await jwtFor(LECTERN, { bearer: r.bearer }, "lectern /token");
      const session = await call(LECTERN, "/get-session", { bearer: r.bearer });
      const headerJwt = session.headers.get("set-auth-jwt");
      assert.match(headerJwt ?? "", JWT, "get-session sends set-auth-jwt");

      for (const [what, t] of [["/token", token], ["set-auth-jwt", headerJwt]]) {
        const me = await getJson(`${FASTAPI}/api/me`, bearer(t));
        assert.equal(me.status, 200, `FastAPI /api/me with a Lectern JWT from ${what}: ${me.status} ${JSON.stringify(me.body)}`);
        assert.deepEqual(me.body, { id: r.user.id });
      }

      const es = await jwtFor(ES256, { bearer: (await reader(ES256, "fastapi-es")).bearer }, "ES256 /token");
      const other = await jwtFor(AUTH_ROLE, { bearer: (await reader(AUTH_ROLE, "fastapi-other")).bearer }, "auth role /token");
      const peer = await jwtFor(PEER, { bearer: (await reader(PEER, "fastapi-peer")).bearer }, "peer /token");
      const bad = [
        ["tampered sub", tamper(token)],
        ["tampered exp", tamper(token, { exp: decodeJwt(token).exp + 3600 })],
        ["signature cut short", token.slice(0, -8)],
        ["an ES256 Lectern's token (other issuer, other algorithm)", es],
        ["another EdDSA Lectern's token (other issuer, key not in this JWKS)", other],
        ["the Better Auth peer's token (other issuer)", peer],
        ["a session token, not a JWT", r.bearer],
      ];
      for (const [what, t] of bad) {
        const me = await getJson(`${FASTAPI}/api/me`, bearer(t));
        assert.equal(me.status, 401, `FastAPI /api/me with ${what}: ${me.status} ${JSON.stringify(me.body)}`);
      }
      assert.equal((await getJson(`${FASTAPI}/api/me`)).status, 401, "no Authorization header");

      // PYTHONWARNINGS=default (run.sh): whatever PyJWT warned about is in the log.
      const log = await readFile(FASTAPI_LOG, "utf8");
      const complaints = log.split("\n").filter((l) => /Warning/.test(l) && /jwt/i.test(l));
      assert.deepEqual(complaints, [], "PyJWT warnings in the FastAPI peer's log");
    });

    for (const { alg, base } of ISSUERS) {
      it(`PyJWKClient + jwt.decode(algorithms=["${alg}"]) verifies ${alg} tokens (python/verify_jwt.py)`, async () => {
        const r = await reader(base, `pyjwt-${alg}`);
        const token = await jwtFor(base, { bearer: r.bearer }, "/token");
        const [good, tampered, foreign] = await pyjwt(base, alg, [token, tamper(token), tamper(token, { iss: "https://elsewhere.example" })]);
        assert.equal(good.ok, true, `PyJWT rejected Lectern's ${alg} token: ${good.error}`);
        assert.equal(good.claims.sub, r.user.id);
        assert.equal(good.claims.email, r.email);
        assert.equal(good.header.alg, alg);
        assert.equal(good.kid, good.header.kid);
        assert.deepEqual(good.warnings, [], "PyJWT warnings");
        assert.equal(tampered.ok, false, "tampered sub accepted");
        assert.match(tampered.error, /^InvalidSignatureError/);
        assert.equal(foreign.ok, false, "tampered iss accepted");
      });
    }
  });

  describe("key rotation by another process (lectern keys rotate --grace 1h)", () => {
    it("old tokens keep verifying, the JWKS lists both keys, new tokens carry the new kid within 70 s", async (t) => {
      const r = await reader(ROTATE, "rotate");
      const before = await jwtFor(ROTATE, { bearer: r.bearer }, "before rotation");
      const oldKid = decodeProtectedHeader(before).kid;
      assert.deepEqual((await jwksOf(ROTATE)).keys.map((k) => k.kid), [oldKid], "one key before rotation");
      const cachedSet = remoteSet(ROTATE); // a verifier that fetched the JWKS before the rotation
      await verifyJose(ROTATE, before, "EdDSA", cachedSet);

      const rotated = await lecternKeys(["rotate", "--grace", "1h"]);
      const newKid = /new signing key (\S+)/.exec(rotated.stdout)?.[1];
      assert.ok(newKid, `lectern keys rotate names the new key: ${rotated.stdout}`);
      assert.notEqual(newKid, oldKid);
      const rotatedAt = Date.now();

      const after = await jwksOf(ROTATE);
      assert.deepEqual(after.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), "the JWKS lists the old and the new key");
      await verifyJose(ROTATE, before, "EdDSA", cachedSet); // cached keys
      await verifyJose(ROTATE, before, "EdDSA"); // a fresh fetch
      const [py] = await pyjwt(ROTATE, "EdDSA", [before]);
      assert.equal(py.ok, true, `PyJWT rejects the pre-rotation token: ${py.error}`);

      // The running server rechecks its signing key every 60 s.
      let token, kid, polls = 0;
      for (;;) {
        token = await jwtFor(ROTATE, { bearer: r.bearer }, `poll ${++polls}`);
        kid = decodeProtectedHeader(token).kid;
        if (kid === newKid) break;
        assert.equal(kid, oldKid, `until it switches, the old key signs (poll ${polls})`);
        // Meanwhile every token it hands out must verify (the old key is still published).
        await verifyJose(ROTATE, token, "EdDSA");
        assert.ok(Date.now() - rotatedAt < 70000, `no token with the new kid ${newKid} within 70 s of the rotation`);
        await sleep(2000);
      }
      t.diagnostic(`new kid after ${((Date.now() - rotatedAt) / 1000).toFixed(1)} s (${polls} polls)`);

      const { payload } = await verifyJose(ROTATE, token, "EdDSA");
      assert.equal(payload.sub, r.user.id);
      const session = await call(ROTATE, "/get-session", { bearer: r.bearer });
      assert.equal(decodeProtectedHeader(session.headers.get("set-auth-jwt")).kid, newKid, "set-auth-jwt signed by the new key");
      const [newPy, oldPy] = await pyjwt(ROTATE, "EdDSA", [token, before]);
      assert.equal(newPy.ok, true, `PyJWT on the post-rotation token: ${newPy.error}`);
      assert.equal(oldPy.ok, true, `PyJWT on the pre-rotation token: ${oldPy.error}`);
      await verifyJose(ROTATE, before, "EdDSA"); // the old one still does too

      const list = (await lecternKeys(["list"])).stdout;
      assert.match(list, new RegExp(`^${newKid}\\s.*signing`, "m"), `keys list: ${list}`);
      assert.match(list, new RegExp(`^${oldKid}\\s.*in the JWKS until`, "m"), `keys list: ${list}`);
    });
  });

  describe("Lectern as a verifier: serve --role api --auth-url", () => {
    it("accepts the Better Auth peer's JWT, refuses other issuers' (api role → peer)", async () => {
      const r = await reader(PEER, "api-peer");
      const token = await jwtFor(PEER, { bearer: r.bearer }, "peer /token");
      // The peer's token is good by jose's standards, so a refusal below is Lectern's.
      await verifyJose(PEER, token, "EdDSA");
      const lecternToken = await jwtFor(LECTERN, { bearer: (await reader(LECTERN, "api-peer-foreign")).bearer }, "lectern /token");

      requireApiRole();
      const me = await getJson(`${API_PEER}/api/me`, bearer(token));
      assert.equal(me.status, 200, `api role /api/me with the peer's JWT: ${me.status} ${JSON.stringify(me.body)}`);
      assert.equal(me.body?.user?.id, r.user.id, `user.id in ${JSON.stringify(me.body)}`);
      assert.equal(me.body?.user?.email, r.email);
      assert.equal(me.body?.user?.name, r.user.name);
      assert.equal(me.body?.profileComplete, false);
      assert.equal(me.body?.via, "jwt");

      unauthorized(await getJson(`${API_PEER}/api/me`, bearer(lecternToken)), "a Lectern JWT (other issuer)");
      unauthorized(await getJson(`${API_PEER}/api/me`, bearer(tamper(token))), "the peer's JWT, tampered");
      unauthorized(await getJson(`${API_PEER}/api/me`, bearer(token.slice(0, -8))), "the peer's JWT, signature cut short");
      unauthorized(await getJson(`${API_PEER}/api/me`), "no Authorization header");
    });

    it("a reader signed in on the auth role is verified by the api role (api role → Lectern auth role)", async () => {
      const r = await reader(AUTH_ROLE, "split");
      const token = await jwtFor(AUTH_ROLE, { bearer: r.bearer }, "auth role /token");
      await verifyJose(AUTH_ROLE, token, "EdDSA");
      const peerToken = await jwtFor(PEER, { bearer: (await reader(PEER, "split-foreign")).bearer }, "peer /token");
      const lecternToken = await jwtFor(LECTERN, { bearer: (await reader(LECTERN, "split-foreign")).bearer }, "lectern /token");

      requireApiRole();
      const me = await getJson(`${API_SPLIT}/api/me`, bearer(token));
      assert.equal(me.status, 200, `api role /api/me with the auth role's JWT: ${me.status} ${JSON.stringify(me.body)}`);
      assert.equal(me.body?.user?.id, r.user.id, `user.id in ${JSON.stringify(me.body)}`);
      assert.equal(me.body?.user?.email, r.email);
      assert.equal(me.body?.user?.name, r.user.name);
      assert.equal(me.body?.profileComplete, false);
      assert.equal(me.body?.via, "jwt");

      unauthorized(await getJson(`${API_SPLIT}/api/me`, bearer(peerToken)), "the Better Auth peer's JWT (other issuer)");
      unauthorized(await getJson(`${API_SPLIT}/api/me`, bearer(lecternToken)), "another Lectern's JWT (other issuer)");
      unauthorized(await getJson(`${API_SPLIT}/api/me`, bearer(tamper(token))), "tampered sub");
      unauthorized(await getJson(`${API_SPLIT}/api/me`), "no Authorization header");
    });
  });
});
