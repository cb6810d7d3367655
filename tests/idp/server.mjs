#!/usr/bin/env node
// A loopback identity provider for the tests (compat suite, browser tests): real protocol,
// scripted people (people.mjs).
//
//   IDP_PORT=0 IDP_CLIENTS='[{"client_id":"…","client_secret":"…","redirect_uris":["…"]}]' \
//     node tests/idp/server.mjs          -> prints "idp listening <port>" once it answers
//
// Every client is registered with both halves:
//
// /oidc    an OpenID Connect provider (the certified `oidc-provider` package). Issuer
//          http://127.0.0.1:<port>/oidc, discovery at /oidc/.well-known/openid-configuration;
//          authorization code only, PKCE (S256) required, RS256 ID tokens (a key made at
//          start), JWKS, userinfo, scopes openid email profile, claims email,
//          email_verified, name, picture (in the ID token too, as Google puts them there).
//          Clients authenticate with client_secret_post, or client_secret_basic (turned into
//          the post form before oidc-provider sees it, as real providers accept both).
//          Every authorization asks for a login (no single sign-on between two flows, so one
//          browser can sign in as several people in turn); consent is granted without a page.
// /github  a stand-in for GitHub's OAuth app endpoints and the two API calls a relying party
//          makes: GET /github/login/oauth/authorize, POST /github/login/oauth/access_token,
//          GET /github/api/user, GET /github/api/user/emails (GitHub's shapes; errors from the
//          token endpoint are 200 with {"error":…}, as GitHub answers them).
//
// The login page of both (stable selectors for Playwright): a form with input[name=login],
// button[name=action][value=login] and button[name=action][value=deny] (deny answers the
// relying party with error=access_denied). GitHub's authorize URL with login_hint=<name>
// skips the page and signs <name> in at once.
//
// Faults, for negative tests: POST /__faults {"token": "500"|"hang"|null, "userinfo": …}
// makes both token endpoints (or /oidc/me and /github/api/user*) answer 500 or never
// answer (held until the fault is cleared, at most two minutes); GET /__faults shows them.
import http from "node:http";
import { createHash, generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import Provider from "oidc-provider";
import { avatarUrl, profileFor } from "./people.mjs";

const die = (msg) => {
  console.error(`idp: ${msg}`);
  process.exit(2);
};

// ---------------------------------------------------------------- configuration
// oidc-provider 9 calls URL.parse (Node >= 20.18 or 22); it warns on any Node before 22 LTS,
// and runs on 20 (tested with 20.20).
if (typeof URL.parse !== "function") die(`Node.js >= 20.18 is required (found ${process.version})`);
if (process.env.IDP_PORT === undefined) die("IDP_PORT is not set (0 picks a free port)");
const PORT = Number(process.env.IDP_PORT);
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) die(`IDP_PORT=${process.env.IDP_PORT} is not a port`);
let CLIENTS;
try {
  CLIENTS = JSON.parse(process.env.IDP_CLIENTS ?? "");
} catch {
  die('IDP_CLIENTS must be a JSON array of {"client_id","client_secret","redirect_uris":[…]}');
}
if (!Array.isArray(CLIENTS) || !CLIENTS.length) die("IDP_CLIENTS must be a non-empty JSON array");
for (const c of CLIENTS) {
  if (typeof c?.client_id !== "string" || typeof c.client_secret !== "string" || !Array.isArray(c.redirect_uris) ||
    !c.redirect_uris.length || !c.redirect_uris.every((u) => typeof u === "string")) {
    die(`bad client in IDP_CLIENTS: ${JSON.stringify(c)}`);
  }
}
const clientById = new Map(CLIENTS.map((c) => [c.client_id, c]));

// ---------------------------------------------------------------- small HTTP helpers
function send(res, status, body, headers = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/html; charset=utf-8" : "application/json; charset=utf-8";
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(text);
}
async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error("request body too large"), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
async function readForm(req) {
  const type = req.headers["content-type"] || "";
  const text = await readBody(req);
  if (type.startsWith("application/json")) {
    const json = JSON.parse(text || "{}");
    return new URLSearchParams(Object.entries(json).map(([k, v]) => [k, String(v)]));
  }
  return new URLSearchParams(text);
}
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sameSecret = (a, b) => {
  const x = Buffer.from(String(a)), y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};
const s256 = (verifier) => createHash("sha256").update(verifier).digest("base64url");
/** client_secret_basic credentials (RFC 6749 2.3.1: each part form-urlencoded), or null. */
function basicCredentials(req) {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization || "");
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  const unform = (s) => decodeURIComponent(s.replace(/\+/g, " "));
  return { id: unform(decoded.slice(0, i)), secret: unform(decoded.slice(i + 1)) };
}

/** The one login page of both halves. `hidden` are carried through the POST. */
function loginPage({ title, action, hidden = {}, prefill = "", note = "" }) {
  const fields = Object.entries(hidden)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("\n      ");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body>
  <main>
    <h1>${esc(title)}</h1>
    ${note ? `<p class="note">${esc(note)}</p>` : ""}
    <form method="post" action="${esc(action)}" id="login-form">
      ${fields}
      <label>Login <input type="text" name="login" value="${esc(prefill)}" autocomplete="off" autofocus></label>
      <button type="submit" name="action" value="login">Sign in</button>
      <button type="submit" name="action" value="deny">Deny</button>
    </form>
  </main>
</body>
</html>`;
}
function errorPage(status, message) {
  return [status, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Error</title></head>` +
    `<body><h1>Error</h1><p class="error">${esc(message)}</p></body></html>`];
}

// ---------------------------------------------------------------- faults
const FAULT_KINDS = ["token", "userinfo"];
const FAULT_VALUES = ["500", "hang", null];
const faults = { token: null, userinfo: null };
const held = new Set(); // responses held open by a "hang" fault
function releaseHeld() {
  for (const res of held) res.destroy();
  held.clear();
}
/** true when a fault answered (or is holding) this request. */
function faulted(kind, res) {
  const fault = faults[kind];
  if (fault === "500") {
    send(res, 500, { error: "server_error", error_description: `fault injected: ${kind} 500` });
    return true;
  }
  if (fault === "hang") {
    held.add(res);
    res.on("close", () => held.delete(res));
    setTimeout(() => res.destroy(), 120_000).unref();
    return true;
  }
  return false;
}
async function faultsRoute(req, res) {
  if (req.method === "GET") return send(res, 200, faults);
  if (req.method !== "POST") return send(res, 405, { error: "GET or POST" });
  let body;
  try {
    body = JSON.parse(await readBody(req) || "{}");
  } catch {
    return send(res, 400, { error: "body must be JSON" });
  }
  for (const [k, v] of Object.entries(body)) {
    if (!FAULT_KINDS.includes(k)) return send(res, 400, { error: `unknown fault ${k}; known: ${FAULT_KINDS.join(", ")}` });
    if (!FAULT_VALUES.includes(v)) return send(res, 400, { error: `fault ${k} must be "500", "hang" or null` });
  }
  Object.assign(faults, body);
  if (!Object.values(faults).includes("hang")) releaseHeld();
  console.log(`idp: faults ${JSON.stringify(faults)}`);
  return send(res, 200, faults);
}

// ---------------------------------------------------------------- /github
const GITHUB_CODE_TTL_MS = 10 * 60 * 1000;
const githubCodes = new Map(); // code -> {clientId, redirectUri, login, challenge, scope, expires}
const githubTokens = new Map(); // access token -> {login, scope}

function githubUser(origin, login) {
  const p = profileFor(login);
  return {
    login: p.login,
    id: p.githubId,
    node_id: Buffer.from(`U_${p.githubId}`).toString("base64"),
    avatar_url: avatarUrl(origin, login),
    type: "User",
    name: p.name,
    email: p.privateEmail ? null : p.email,
  };
}
function githubEmails(login) {
  const p = profileFor(login);
  if (!p.email) return [];
  // A non-primary address first: a relying party must pick the primary, not the first.
  return [
    { email: `${p.githubId}+${p.login.split("@")[0]}@users.noreply.github.com`, primary: false, verified: true, visibility: null },
    { email: p.email, primary: true, verified: p.emailVerified, visibility: p.privateEmail ? "private" : "public" },
  ];
}

async function githubAuthorize(req, res, url, origin) {
  // GET shows the form (or signs login_hint in); POST is the form's answer.
  const q = req.method === "POST" ? await readForm(req) : url.searchParams;
  const client = clientById.get(q.get("client_id") || "");
  if (!client) return send(res, ...errorPage(400, `unknown client_id ${q.get("client_id")}`));
  const redirectUri = q.get("redirect_uri") || client.redirect_uris[0];
  // GitHub answers a redirect_uri that is not the app's with its own error page, never a redirect.
  if (!client.redirect_uris.includes(redirectUri)) {
    return send(res, ...errorPage(400, `redirect_uri ${redirectUri} is not registered for ${client.client_id}`));
  }
  const challenge = q.get("code_challenge");
  const method = q.get("code_challenge_method") || (challenge ? "plain" : null);
  if (challenge && method !== "S256") {
    return send(res, ...errorPage(400, `code_challenge_method must be S256 (got ${method})`));
  }
  const state = q.get("state");
  const back = (params) => {
    const to = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) to.searchParams.set(k, v);
    if (state !== null) to.searchParams.set("state", state);
    res.writeHead(302, { location: to.href, "cache-control": "no-store" });
    res.end();
  };
  const login = req.method === "POST" ? (q.get("login") || "").trim() : (q.get("login_hint") || "").trim();
  if (req.method === "POST" && q.get("action") === "deny") {
    return back({
      error: "access_denied",
      error_description: "The user has denied your application access.",
      error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
    });
  }
  if (!login) {
    const hidden = Object.fromEntries(
      ["client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"].map((k) => [k, q.get(k)]),
    );
    return send(res, req.method === "POST" ? 400 : 200, loginPage({
      title: "Sign in to GitHub (stand-in)",
      action: "/github/login/oauth/authorize",
      hidden,
      prefill: q.get("login") || "",
      note: req.method === "POST" ? "Type a login." : `to continue to ${client.client_id}`,
    }));
  }
  const code = randomBytes(10).toString("hex"); // GitHub's codes are 20 hex characters
  githubCodes.set(code, {
    clientId: client.client_id, redirectUri, login, challenge, scope: q.get("scope") || "", expires: Date.now() + GITHUB_CODE_TTL_MS,
  });
  return back({ code });
}

async function githubAccessToken(req, res) {
  if (req.method !== "POST") return send(res, 404, { message: "Not Found" });
  const form = await readForm(req);
  if (faulted("token", res)) return;
  const wantsJson = (req.headers.accept || "").includes("application/json");
  const answer = (obj) => {
    if (wantsJson) return send(res, 200, obj);
    res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" });
    return res.end(new URLSearchParams(obj).toString());
  };
  const error = (code, description) => answer({
    error: code, error_description: description, error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
  });
  const basic = basicCredentials(req);
  const clientId = basic?.id ?? form.get("client_id");
  const secret = basic?.secret ?? form.get("client_secret");
  const client = clientById.get(clientId || "");
  if (!client || secret === null || !sameSecret(secret, client.client_secret)) {
    return error("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
  }
  const code = form.get("code") || "";
  const grant = githubCodes.get(code);
  githubCodes.delete(code); // single use, whatever happens next
  if (!grant || grant.clientId !== client.client_id || grant.expires < Date.now()) {
    return error("bad_verification_code", "The code passed is incorrect or expired.");
  }
  const redirectUri = form.get("redirect_uri");
  if (redirectUri !== null && redirectUri !== grant.redirectUri) {
    return error("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
  }
  if (grant.challenge) {
    const verifier = form.get("code_verifier");
    if (!verifier || !sameSecret(s256(verifier), grant.challenge)) {
      return error("bad_verification_code", "The code_verifier does not match the code_challenge.");
    }
  }
  const token = `gho_${randomBytes(18).toString("base64url")}`;
  githubTokens.set(token, { login: grant.login, scope: grant.scope });
  return answer({ access_token: token, token_type: "bearer", scope: grant.scope.split(/[ ,]+/).filter(Boolean).join(",") });
}

function githubApi(req, res, path, origin) {
  if (req.method !== "GET") return send(res, 404, { message: "Not Found" });
  if (faulted("userinfo", res)) return;
  const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization || "");
  const grant = m && githubTokens.get(m[1]);
  if (!grant) return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
  if (path === "/user") return send(res, 200, githubUser(origin, grant.login));
  if (path === "/user/emails") {
    const scopes = grant.scope.split(/[ ,]+/);
    // GitHub lists a user's addresses only to a token with the user:email (or user) scope.
    if (!scopes.includes("user:email") && !scopes.includes("user")) {
      return send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
    }
    return send(res, 200, githubEmails(grant.login));
  }
  return send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
}

// ---------------------------------------------------------------- /oidc
function makeProvider(issuer, origin) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };

  const provider = new Provider(issuer, {
    clients: CLIENTS.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    })),
    responseTypes: ["code"],
    pkce: { required: () => true },
    scopes: ["openid", "email", "profile"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "picture"] },
    conformIdTokenClaims: false, // claims in the ID token as well as at userinfo, as Google does
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 600 },
    interactions: { url: (ctx, interaction) => `/oidc/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const p = profileFor(sub);
      return {
        accountId: sub,
        async claims() {
          const claims = { sub, name: p.name, picture: avatarUrl(origin, sub) };
          if (p.email) Object.assign(claims, { email: p.email, email_verified: p.emailVerified });
          return claims;
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = errorPage(400, `${out.error}: ${out.error_description || ""}`)[1];
    },
  });
  provider.on("server_error", (ctx, err) => console.error("idp: oidc server_error", err));
  return provider;
}

async function oidcInteraction(req, res, url, provider) {
  const m = /^\/oidc\/interaction\/([^/]+)(\/login)?$/.exec(url.pathname);
  if (!m) return send(res, ...errorPage(404, "no such page"));
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (e) {
    return send(res, ...errorPage(400, `no interaction in progress (${e.message}); start again from the application`));
  }
  if (details.uid !== m[1]) return send(res, ...errorPage(400, "this page belongs to another sign-in; start again"));
  const { prompt, params } = details;
  if (m[2]) { // POST …/login
    if (req.method !== "POST") return send(res, ...errorPage(405, "POST only"));
    const form = await readForm(req);
    if (form.get("action") === "deny") {
      return provider.interactionFinished(req, res,
        { error: "access_denied", error_description: "The user denied the request" }, { mergeWithLastSubmission: false });
    }
    const login = (form.get("login") || "").trim();
    if (!login) {
      return send(res, 400, loginPage({ title: "Sign in (OIDC stand-in)", action: url.pathname, note: "Type a login." }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === "login") {
    // The previous flow's session goes (see oidc()), else the resume would find another person's.
    res.setHeader("set-cookie", ["_session", "_session.sig"].map((n) => `${n}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax`));
    return send(res, 200, loginPage({
      title: "Sign in (OIDC stand-in)",
      action: `/oidc/interaction/${details.uid}/login`,
      prefill: params.login_hint || "",
      note: `to continue to ${params.client_id}`,
    }));
  }
  if (prompt.name === "consent") { // granted without a page
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return send(res, ...errorPage(400, `unexpected prompt ${prompt.name}`));
}

async function oidc(req, res, url, provider, handler) {
  if (url.pathname === "/oidc/token" && req.method === "POST") {
    if (faulted("token", res)) return;
    const basic = basicCredentials(req);
    if (basic) {
      // client_secret_basic -> client_secret_post, so either works (oidc-provider allows one
      // method per client). oidc-provider then reads the already-read body from req.body.
      const form = new URLSearchParams(await readBody(req));
      form.set("client_id", basic.id);
      form.set("client_secret", basic.secret);
      delete req.headers.authorization;
      req.body = form.toString();
    }
  }
  if (url.pathname === "/oidc/me" && faulted("userinfo", res)) return;
  if (url.pathname === "/oidc/auth") {
    // No single sign-on: an authorization request never sees the provider's session cookie,
    // so every flow shows the login page (which drops that cookie, see oidcInteraction), and
    // a browser that signed in as one person can sign in as another next.
    const kept = (req.headers.cookie || "").split(/;\s*/).filter((c) => c && !c.startsWith("_session"));
    if (kept.length) req.headers.cookie = kept.join("; ");
    else delete req.headers.cookie;
  }
  // Mounted under /oidc: oidc-provider routes on the rest and finds its mount path from
  // originalUrl (as under Express's app.use("/oidc", …)).
  req.originalUrl = req.url;
  req.url = req.url.slice("/oidc".length) || "/";
  return handler(req, res);
}

// ---------------------------------------------------------------- server
// 1x1 transparent PNG for every avatar.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
let provider, oidcHandler, origin;

const server = http.createServer((req, res) => {
  route(req, res).catch((e) => {
    console.error(`idp: ${req.method} ${req.url}:`, e);
    if (!res.headersSent) send(res, e.status || 500, { error: "server_error", error_description: String(e.message) });
    else res.destroy();
  });
});

async function route(req, res) {
  if (!provider) return send(res, 503, { error: "starting" });
  const url = new URL(req.url, origin);
  const path = url.pathname;
  if (path === "/__faults") return faultsRoute(req, res);
  if (path.startsWith("/avatars/")) {
    res.writeHead(200, { "content-type": "image/png", "content-length": PNG.length });
    return res.end(PNG);
  }
  if (path === "/github/login/oauth/authorize" && (req.method === "GET" || req.method === "POST")) {
    return githubAuthorize(req, res, url, origin);
  }
  if (path === "/github/login/oauth/access_token") return githubAccessToken(req, res);
  if (path.startsWith("/github/api/")) return githubApi(req, res, path.slice("/github/api".length), origin);
  if (path.startsWith("/oidc/interaction/")) return oidcInteraction(req, res, url, provider);
  if (path === "/oidc" || path.startsWith("/oidc/")) return oidc(req, res, url, provider, oidcHandler);
  return send(res, 404, { error: "not_found", error_description: `nothing at ${path}` });
}

server.on("error", (e) => die(`cannot listen on 127.0.0.1:${PORT}: ${e.message}`));
server.listen(PORT, "127.0.0.1", () => {
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  provider = makeProvider(`${origin}/oidc`, origin);
  oidcHandler = provider.callback();
  console.log(`idp listening ${port}`);
});
const stop = () => {
  releaseHeld();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
