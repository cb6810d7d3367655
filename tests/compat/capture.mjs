#!/usr/bin/env node
// Capture how a Better-Auth-compatible server answers a fixed script of raw HTTP
// exchanges, normalised so two captures can be diffed (see compare.mjs).
//
//   node capture.mjs BASE_URL [--rate-limited] > out.json
//
// BASE_URL is the server origin (e.g. http://127.0.0.1:4100); endpoints are under
// /api/auth. The server must trust its own origin (BASE_URL) and no other.
// Uses node:http (not fetch) so that no headers are injected (undici adds
// sec-fetch-mode etc.) and response header casing/order is visible (rawHeaders).
// Only node builtins are used.
import http from "node:http";
import crypto from "node:crypto";

const args = process.argv.slice(2);
const BASE = (args.find((a) => !a.startsWith("--")) || "http://127.0.0.1:4100").replace(/\/$/, "");
const RATE = args.includes("--rate-limited");
const API = "/api/auth";
const ORIGIN = new URL(BASE).origin;
const EVIL = "http://evil.example";
const RUN = crypto.randomBytes(5).toString("hex"); // 10 hex chars, fixed length
const UA = "lectern-capture/1";

// ---------------------------------------------------------------- normalisers
const idMap = new Map(); // volatile value -> ordinal (shows equality across exchanges)
function ordinal(v) {
  if (!idMap.has(v)) idMap.set(v, idMap.size + 1);
  return idMap.get(v);
}
const emailLabels = new Map(); // generated email (lowercase) -> label
function email(label) {
  const e = `cap-${RUN}-${label}@example.com`;
  emailLabels.set(e.toLowerCase(), label);
  return e;
}
let reqTime = Date.now();
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
function rel(ms) {
  const s = Math.round((ms - reqTime) / 1000 / 60) * 60; // rounded to minutes
  return s >= 0 ? `now+${s}s` : `now${s}s`;
}
function normString(s) {
  if (typeof s !== "string") return s;
  if (ISO.test(s)) return `<iso8601 ms Z ${rel(Date.parse(s))}>`;
  if (/^[A-Za-z0-9]{32}$/.test(s)) return `<alnum32 #${ordinal(s)}>`;
  if (/^[A-Za-z0-9]{32}\.[A-Za-z0-9+/]{43}=$/.test(s)) {
    const [t] = s.split(".");
    return `<alnum32 #${ordinal(t)}>.<sig b64 44>`;
  }
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(s) && s.startsWith("eyJ")) return describeJwt(s);
  let out = s;
  out = out.split(ORIGIN).join("<BASE>");
  for (const [e, label] of emailLabels) {
    const re = new RegExp(e.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
    out = out.replace(re, (m) => (m === e ? `<email:${label}>` : `<email:${label} case-preserved:${m === m.toLowerCase() ? "lower" : "mixed"}>`));
  }
  out = out.split(RUN).join("<run>");
  out = out.replace(/^([a-z0-9]{32})@anonymous\.placeholder\.invalid$/, (_, id) => `<lower-alnum32 #${ordinal(id)}>@anonymous.placeholder.invalid`);
  out = out.replace(/temp@([A-Za-z0-9]{32})\.com/g, (_, id) => `temp@<alnum32 #${ordinal(id)}>.com`);
  out = out.replace(/temp-([A-Za-z0-9]{32})@/g, (_, id) => `temp-<alnum32 #${ordinal(id)}>@`);
  if (out.length > 300) out = out.slice(0, 120) + `…<${out.length} chars>`;
  return out;
}
function normNumber(k, n) {
  if ((k === "iat" || k === "exp" || k === "nbf") && typeof n === "number") return `<unixtime ${rel(n * 1000)}>`;
  return n;
}
function normJson(v, k) {
  if (Array.isArray(v)) return v.map((x) => normJson(x));
  if (v && typeof v === "object") {
    const o = {};
    for (const [kk, vv] of Object.entries(v)) o[kk] = normJson(vv, kk);
    return o;
  }
  if (typeof v === "string") return normString(v);
  if (typeof v === "number") return normNumber(k, v);
  return v;
}
function b64urlJson(p) {
  try { return JSON.parse(Buffer.from(p, "base64url").toString("utf8")); } catch { return null; }
}
function describeJwt(t) {
  const [h, p, s] = t.split(".");
  const hj = b64urlJson(h), pj = b64urlJson(p);
  return { jwt: { header: normJson(hj), payload: normJson(pj), sigLen: s.length } };
}
// Describe a cookie value's shape, e.g. "<alnum32 #3>.<sig b64 44 urlenc(%2B,%2F,%3D)>"
function cookieValueShape(v) {
  if (v === "") return "<empty>";
  let dec;
  try { dec = decodeURIComponent(v); } catch { dec = v; }
  const m = /^(.*)\.([A-Za-z0-9+/]{43}=)$/.exec(dec);
  if (m) {
    const enc = v === dec ? "raw" : "urlencoded";
    let inner = m[1];
    inner = /^[A-Za-z0-9]{32}$/.test(inner) ? `<alnum32 #${ordinal(inner)}>` : inner.length > 40 ? `<${inner.length} chars>` : inner;
    return `${inner}.<sig b64 44 ${enc}>`;
  }
  if (/^[A-Za-z0-9]{32}$/.test(dec)) return `<alnum32 #${ordinal(dec)}>`;
  if (v.length > 40) return `<${v.length} chars>`;
  return v;
}
function normSetCookie(sc) {
  const parts = sc.split(";");
  const [nv, ...attrs] = parts;
  const eq = nv.indexOf("=");
  const name = nv.slice(0, eq), val = nv.slice(eq + 1);
  const nattrs = attrs.map((a) => {
    const m = /^(\s*expires=)(.*)$/i.exec(a);
    if (m) return `${m[1]}<http-date ${rel(Date.parse(m[2]))}>`;
    return a;
  });
  return [`${name}=${cookieValueShape(val)}`, ...nattrs].join(";");
}
const TRANSPORT = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);
function normHeaders(raw) {
  // raw: [name, value, name, value, ...] in wire order and casing
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i], lname = name.toLowerCase();
    let value = raw[i + 1];
    if (lname === "date") value = "<http-date>";
    else if (lname === "set-cookie") value = normSetCookie(value);
    else if (lname === "set-auth-token") value = cookieValueShape(value);
    else if (lname === "set-auth-jwt") value = describeJwt(value);
    else if (lname === "location") value = normString(value);
    out.push([name, value]);
  }
  return out;
}

// ---------------------------------------------------------------- cookie jars
const jars = {};
function jar(name) { return (jars[name] ||= new Map()); }
function cookieHeader(j) {
  return [...j].map(([k, v]) => `${k}=${v}`).join("; ");
}
function absorb(j, setCookies) {
  for (const sc of setCookies) {
    const [nv, ...attrs] = sc.split(";");
    const eq = nv.indexOf("=");
    const name = nv.slice(0, eq).trim(), val = nv.slice(eq + 1);
    const expired = attrs.some((a) => /^\s*max-age=(0|-\d+)\s*$/i.test(a));
    if (expired || val === "") j.delete(name); else j.set(name, val);
  }
}

// ---------------------------------------------------------------- transport
function rawRequest(method, path, headers, body) {
  return new Promise((resolve) => {
    const u = new URL(BASE + path);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, statusText: res.statusMessage, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on("error", (e) => resolve({ error: e.code || e.message }));
    });
    req.on("error", (e) => resolve({ error: e.code || String(e.message) }));
    req.setTimeout(20000, () => { req.destroy(new Error("TIMEOUT")); });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const exchanges = [];
let last = null;
/**
 * opts: jar (name: send its cookies & absorb set-cookie), json (object -> JSON body),
 * raw (string/Buffer body), ct (content-type, default application/json when a body),
 * headers (extra), origin (true = trusted ORIGIN, string = that value; default: trusted
 * origin when a jar with cookies is sent on a non-GET, else none), noStore (don't absorb)
 */
async function ex(label, method, path, opts = {}) {
  const headers = { "user-agent": UA };
  let body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (opts.raw !== undefined) body = opts.raw;
  if (body !== undefined && opts.ct !== null) headers["content-type"] = opts.ct || "application/json";
  const j = opts.jar ? jar(opts.jar) : null;
  if (j && j.size) headers["cookie"] = cookieHeader(j);
  if (opts.cookie) headers["cookie"] = opts.cookie;
  let origin = opts.origin;
  if (origin === undefined && method !== "GET" && headers.cookie) origin = true;
  if (origin === true) origin = ORIGIN;
  if (origin) headers["origin"] = origin;
  Object.assign(headers, opts.headers || {});
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  reqTime = Date.now();
  const res = await rawRequest(method, API + path, headers, body);
  const rec = { label, method, path, request: {} };
  const rh = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === "user-agent" || k === "content-length") continue;
    if (k === "cookie") rh[k] = v.split("; ").map((c) => { const i = c.indexOf("="); return `${c.slice(0, i)}=${cookieValueShape(c.slice(i + 1))}`; }).join("; ");
    else if (k === "authorization") rh[k] = v.replace(/^(\S+\s+)(.*)$/, (_, s, t) => s + cookieValueShape(t));
    else rh[k] = typeof v === "string" && v.length > 200 ? `<${v.length} chars>` : normString(v);
  }
  rec.request.headers = rh;
  if (body !== undefined) {
    const s = typeof body === "string" ? body : body.toString("utf8");
    rec.request.body = s.length > 300 ? `<${Buffer.byteLength(body)} bytes>` : normString(s.replace(new RegExp(RUN, "g"), "<run>"));
  }
  if (res.error) {
    rec.error = res.error;
    exchanges.push(rec);
    last = { status: 0, json: null, setCookies: [], headers: {} };
    return last;
  }
  rec.status = res.status;
  rec.statusText = res.statusText;
  const setCookies = [];
  const hmap = {};
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const k = res.rawHeaders[i].toLowerCase();
    if (k === "set-cookie") setCookies.push(res.rawHeaders[i + 1]);
    hmap[k] = res.rawHeaders[i + 1];
  }
  rec.headers = normHeaders(res.rawHeaders);
  const text = res.body.toString("utf8");
  let json;
  try { json = JSON.parse(text); rec.body = normJson(json); rec.bodyKind = "json"; }
  catch { json = undefined; rec.bodyKind = text.length ? "text" : "empty"; rec.body = text.length > 300 ? text.slice(0, 200) + `…<${text.length} chars>` : text; }
  rec.bodyBytes = res.body.length;
  if (j && !opts.noStore) absorb(j, setCookies);
  exchanges.push(rec);
  last = { status: res.status, json, setCookies, headers: hmap };
  return last;
}
const note = (label, value) => exchanges.push({ label, note: normJson(value) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function tokenFromJar(name) {
  const v = jar(name).get("better-auth.session_token");
  return v ? decodeURIComponent(v).split(".")[0] : null;
}

// ---------------------------------------------------------------- scripts
async function main() {
  const pw = "correct-horse-1";
  if (RATE) return rateLimited(pw);

  // --- routing basics
  await ex("ok GET", "GET", "/ok");
  await ex("ok POST (wrong method)", "POST", "/ok", { json: {} });
  await ex("ok HEAD", "HEAD", "/ok");
  await ex("unknown path GET", "GET", "/nope");
  await ex("unknown path POST", "POST", "/nope", { json: {} });
  await ex("base path itself", "GET", "");
  await ex("get-session POST (GET-only)", "POST", "/get-session", { json: {} });
  await ex("list-sessions POST (GET-only)", "POST", "/list-sessions", { json: {} });
  await ex("sign-in/email GET (POST-only)", "GET", "/sign-in/email");
  await ex("sign-up/email GET (POST-only)", "GET", "/sign-up/email");
  await ex("sign-out GET (POST-only)", "GET", "/sign-out");
  await ex("update-user GET (POST-only)", "GET", "/update-user");
  await ex("ok with trailing slash", "GET", "/ok/");
  await ex("ok with query", "GET", "/ok?x=1");

  // --- sign-up success + variants
  const alice = email("alice");
  await ex("sign-up ok", "POST", "/sign-up/email", { jar: "alice", json: { name: "Alice", email: alice, password: pw } });
  const aliceSignedToken = last.headers["set-auth-token"];
  await ex("sign-up duplicate email", "POST", "/sign-up/email", { json: { name: "Alice2", email: alice, password: pw } });
  await ex("sign-up duplicate email uppercased", "POST", "/sign-up/email", { json: { name: "Alice3", email: alice.toUpperCase(), password: pw } });
  const upper = email("Upper");
  await ex("sign-up email with uppercase letters", "POST", "/sign-up/email", { json: { name: "Up", email: upper, password: pw } });
  await ex("sign-in lowercase of uppercase-signed-up email", "POST", "/sign-in/email", { json: { email: upper.toLowerCase(), password: pw } });
  await ex("sign-up additional fields + image", "POST", "/sign-up/email", { json: { name: "Fields", email: email("fields"), password: pw, image: "https://img.example/x.png", softwareBackground: "rust", hardwareBackground: "fpga" } });
  await ex("sign-up additional field wrong type", "POST", "/sign-up/email", { json: { name: "F2", email: email("fields2"), password: pw, softwareBackground: 42 } });
  await ex("sign-up with isAnonymous:true", "POST", "/sign-up/email", { json: { name: "IA", email: email("isanon"), password: pw, isAnonymous: true } });
  await ex("sign-up with unknown field", "POST", "/sign-up/email", { json: { name: "UF", email: email("unknownfield"), password: pw, foo: "bar" } });
  await ex("sign-up with emailVerified:true", "POST", "/sign-up/email", { json: { name: "EV", email: email("everified"), password: pw, emailVerified: true } });
  await ex("sign-up rememberMe:false", "POST", "/sign-up/email", { jar: "rmSignup", json: { name: "RM", email: email("rmsignup"), password: pw, rememberMe: false } });
  await ex("sign-up callbackURL relative", "POST", "/sign-up/email", { json: { name: "CB", email: email("cbrel"), password: pw, callbackURL: "/dashboard" } });
  await ex("sign-up callbackURL trusted absolute", "POST", "/sign-up/email", { json: { name: "CB", email: email("cbabs"), password: pw, callbackURL: ORIGIN + "/welcome" } });
  await ex("sign-up callbackURL evil", "POST", "/sign-up/email", { json: { name: "CB", email: email("cbevil"), password: pw, callbackURL: EVIL + "/x" } });
  await ex("sign-up form-urlencoded", "POST", "/sign-up/email", { ct: "application/x-www-form-urlencoded", raw: new URLSearchParams({ name: "Form", email: email("form"), password: pw }).toString() });
  await ex("sign-up text/plain JSON", "POST", "/sign-up/email", { ct: "text/plain", raw: JSON.stringify({ name: "TP", email: email("textplain"), password: pw }) });
  await ex("sign-up no content-type JSON", "POST", "/sign-up/email", { ct: null, raw: JSON.stringify({ name: "NC", email: email("noct"), password: pw }) });
  await ex("sign-up application/json; charset=utf-8", "POST", "/sign-up/email", { ct: "application/json; charset=utf-8", raw: JSON.stringify({ name: "CS", email: email("charset"), password: pw }) });
  await ex("sign-up malformed JSON", "POST", "/sign-up/email", { raw: '{"name":' });
  await ex("sign-up JSON array", "POST", "/sign-up/email", { raw: "[]" });
  await ex("sign-up JSON string", "POST", "/sign-up/email", { raw: '"x"' });
  await ex("sign-up JSON null", "POST", "/sign-up/email", { raw: "null" });
  await ex("sign-up empty body with json ct", "POST", "/sign-up/email", { raw: "" });
  await ex("sign-up empty object", "POST", "/sign-up/email", { json: {} });
  await ex("sign-up missing name", "POST", "/sign-up/email", { json: { email: email("noname"), password: pw } });
  await ex("sign-up missing email", "POST", "/sign-up/email", { json: { name: "x", password: pw } });
  await ex("sign-up missing password", "POST", "/sign-up/email", { json: { name: "x", email: email("nopw") } });
  await ex("sign-up name number", "POST", "/sign-up/email", { json: { name: 123, email: email("namenum"), password: pw } });
  await ex("sign-up password number", "POST", "/sign-up/email", { json: { name: "x", email: email("pwnum"), password: 12345678 } });
  await ex("sign-up email number", "POST", "/sign-up/email", { json: { name: "x", email: 5, password: pw } });
  await ex("sign-up empty name", "POST", "/sign-up/email", { json: { name: "", email: email("emptyname"), password: pw } });
  await ex("sign-up invalid email", "POST", "/sign-up/email", { json: { name: "x", email: "not-an-email", password: pw } });
  await ex("sign-up invalid email a@b", "POST", "/sign-up/email", { json: { name: "x", email: "a@b", password: pw } });
  await ex("sign-up email with spaces", "POST", "/sign-up/email", { json: { name: "x", email: ` ${email("spaces")} `, password: pw } });
  await ex("sign-up password 7", "POST", "/sign-up/email", { json: { name: "x", email: email("pw7"), password: "a".repeat(7) } });
  await ex("sign-up password 8", "POST", "/sign-up/email", { json: { name: "x", email: email("pw8"), password: "a".repeat(8) } });
  await ex("sign-up password 128", "POST", "/sign-up/email", { json: { name: "x", email: email("pw128"), password: "a".repeat(128) } });
  await ex("sign-up password 129", "POST", "/sign-up/email", { json: { name: "x", email: email("pw129"), password: "a".repeat(129) } });
  await ex("sign-up password 4x U+FB00 (4 units, NFKC 8)", "POST", "/sign-up/email", { json: { name: "x", email: email("lig"), password: "\uFB00".repeat(4) } });
  await ex("sign-up password 4 astral chars (8 UTF-16 units)", "POST", "/sign-up/email", { json: { name: "x", email: email("astral"), password: "\u{1D41A}".repeat(4) } });
  await ex("sign-up password 7 chars that NFKC-expand past 8 (U+2474 x7)", "POST", "/sign-up/email", { json: { name: "x", email: email("paren"), password: "\u2474".repeat(7) } });
  await ex("sign-up password 128 units that NFKC-expand (U+FB03 x128)", "POST", "/sign-up/email", { json: { name: "x", email: email("ffi128"), password: "\uFB03".repeat(128) } });
  await ex("sign-up fullwidth password", "POST", "/sign-up/email", { json: { name: "FW", email: email("fullwidth"), password: "\uFF21\uFF42\uFF43\uFF44\uFF45\uFF46\uFF47\uFF48" } });
  await ex("sign-in fullwidth account with ASCII (NFKC) password", "POST", "/sign-in/email", { json: { email: email("fullwidth"), password: "Abcdefgh" } });

  // --- sign-in
  await ex("sign-in ok", "POST", "/sign-in/email", { jar: "alice2", json: { email: alice, password: pw } });
  await ex("sign-in email uppercased", "POST", "/sign-in/email", { jar: "alice3", json: { email: alice.toUpperCase(), password: pw } });
  await ex("sign-in wrong password", "POST", "/sign-in/email", { json: { email: alice, password: "wrong-password-1" } });
  await ex("sign-in unknown email", "POST", "/sign-in/email", { json: { email: email("ghost"), password: pw } });
  await ex("sign-in password 129 chars", "POST", "/sign-in/email", { json: { email: alice, password: "a".repeat(129) } });
  await ex("sign-in password 3 chars", "POST", "/sign-in/email", { json: { email: alice, password: "abc" } });
  await ex("sign-in empty password", "POST", "/sign-in/email", { json: { email: alice, password: "" } });
  await ex("sign-in invalid email", "POST", "/sign-in/email", { json: { email: "nope", password: pw } });
  await ex("sign-in missing password", "POST", "/sign-in/email", { json: { email: alice } });
  await ex("sign-in missing email", "POST", "/sign-in/email", { json: { password: pw } });
  await ex("sign-in password number", "POST", "/sign-in/email", { json: { email: alice, password: 1 } });
  await ex("sign-in rememberMe string", "POST", "/sign-in/email", { json: { email: alice, password: pw, rememberMe: "no" } });
  await ex("sign-in malformed JSON", "POST", "/sign-in/email", { raw: "{" });
  await ex("sign-in JSON array", "POST", "/sign-in/email", { raw: "[1]" });
  await ex("sign-in JSON string", "POST", "/sign-in/email", { raw: '"s"' });
  await ex("sign-in JSON null", "POST", "/sign-in/email", { raw: "null" });
  await ex("sign-in text/plain", "POST", "/sign-in/email", { ct: "text/plain", raw: JSON.stringify({ email: alice, password: pw }) });
  await ex("sign-in form-urlencoded", "POST", "/sign-in/email", { jar: "aliceForm", ct: "application/x-www-form-urlencoded", raw: new URLSearchParams({ email: alice, password: pw }).toString() });
  await ex("sign-in form-urlencoded rememberMe=false", "POST", "/sign-in/email", { ct: "application/x-www-form-urlencoded", raw: new URLSearchParams({ email: alice, password: pw, rememberMe: "false" }).toString() });
  await ex("sign-in multipart", "POST", "/sign-in/email", { ct: "multipart/form-data; boundary=X", raw: `--X\r\nContent-Disposition: form-data; name="email"\r\n\r\n${alice}\r\n--X--\r\n` });
  await ex("sign-in rememberMe:false", "POST", "/sign-in/email", { jar: "aliceRM", json: { email: alice, password: pw, rememberMe: false } });
  await ex("get-session rememberMe:false session", "GET", "/get-session", { jar: "aliceRM" });
  await ex("get-session rememberMe:false with only session_token (dont_remember dropped)", "GET", "/get-session", { cookie: `better-auth.session_token=${jar("aliceRM").get("better-auth.session_token")}` });
  await ex("sign-in callbackURL relative", "POST", "/sign-in/email", { json: { email: alice, password: pw, callbackURL: "/dashboard" } });
  await ex("sign-in callbackURL trusted absolute", "POST", "/sign-in/email", { json: { email: alice, password: pw, callbackURL: ORIGIN + "/home" } });
  await ex("sign-in callbackURL evil", "POST", "/sign-in/email", { json: { email: alice, password: pw, callbackURL: EVIL + "/steal" } });
  await ex("sign-in callbackURL protocol-relative evil", "POST", "/sign-in/email", { json: { email: alice, password: pw, callbackURL: "//evil.example/x" } });
  await ex("sign-in no cookie, Origin evil", "POST", "/sign-in/email", { origin: EVIL, json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Origin trusted", "POST", "/sign-in/email", { origin: ORIGIN, json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Origin null", "POST", "/sign-in/email", { origin: "null", json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Referer evil only", "POST", "/sign-in/email", { headers: { referer: EVIL + "/page" }, json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Sec-Fetch-Site cross-site + Mode navigate", "POST", "/sign-in/email", { headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Sec-Fetch-Site cross-site + Mode cors", "POST", "/sign-in/email", { headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" }, json: { email: alice, password: pw } });
  await ex("sign-in no cookie, Sec-Fetch-Site same-origin + navigate", "POST", "/sign-in/email", { headers: { "sec-fetch-site": "same-origin", "sec-fetch-mode": "navigate" }, json: { email: alice, password: pw } });
  await ex("sign-in WITH cookie, no Origin", "POST", "/sign-in/email", { cookie: "foo=bar", origin: false, json: { email: alice, password: pw } });
  await ex("sign-in WITH cookie, Origin evil", "POST", "/sign-in/email", { cookie: "foo=bar", origin: EVIL, json: { email: alice, password: pw } });
  await ex("sign-in WITH cookie, Origin trusted", "POST", "/sign-in/email", { cookie: "foo=bar", origin: ORIGIN, json: { email: alice, password: pw } });
  await ex("sign-up no cookie, Origin evil", "POST", "/sign-up/email", { origin: EVIL, json: { name: "E", email: email("originevil"), password: pw } });

  // --- get-session
  await ex("get-session no cookie", "GET", "/get-session");
  await ex("get-session with cookie", "GET", "/get-session", { jar: "alice" });
  await ex("get-session disableRefresh=true", "GET", "/get-session?disableRefresh=true", { jar: "alice" });
  await ex("get-session disableCookieCache=true", "GET", "/get-session?disableCookieCache=true", { jar: "alice" });
  await ex("get-session garbage cookie", "GET", "/get-session", { cookie: "better-auth.session_token=garbage" });
  const tokA = tokenFromJar("alice");
  await ex("get-session unsigned raw token cookie", "GET", "/get-session", { cookie: `better-auth.session_token=${tokA}` });
  await ex("get-session bad signature cookie", "GET", "/get-session", { cookie: `better-auth.session_token=${tokA}.${encodeURIComponent("A".repeat(43) + "=")}` });
  await ex("get-session Bearer signed (set-auth-token)", "GET", "/get-session", { headers: { authorization: `Bearer ${aliceSignedToken}` } });
  await ex("get-session Bearer raw token", "GET", "/get-session", { headers: { authorization: `Bearer ${tokA}` } });
  await ex("get-session bearer lowercase scheme", "GET", "/get-session", { headers: { authorization: `bearer ${tokA}` } });
  await ex("get-session Bearer garbage", "GET", "/get-session", { headers: { authorization: "Bearer garbage.token" } });
  await ex("get-session Bearer garbage no dot", "GET", "/get-session", { headers: { authorization: "Bearer garbage" } });
  await ex("get-session Bearer garbage + valid cookie", "GET", "/get-session", { jar: "alice", noStore: true, headers: { authorization: "Bearer garbage" } });
  await ex("get-session valid cookie again (session survived the garbage bearer?)", "GET", "/get-session", { jar: "alice", noStore: true });
  await ex("get-session Bearer garbage.with.dots + valid cookie", "GET", "/get-session", { jar: "alice", noStore: true, headers: { authorization: "Bearer garbage.token" } });
  await ex("get-session Basic auth", "GET", "/get-session", { headers: { authorization: "Basic Zm9vOmJhcg==" } });
  await ex("get-session with Origin evil (GET)", "GET", "/get-session", { jar: "alice", origin: EVIL });

  // --- list-sessions
  await ex("list-sessions no session", "GET", "/list-sessions");
  await ex("list-sessions ok", "GET", "/list-sessions", { jar: "alice" });
  await ex("list-sessions via Bearer", "GET", "/list-sessions", { headers: { authorization: `Bearer ${aliceSignedToken}` } });

  // --- update-user
  await ex("update-user no session", "POST", "/update-user", { json: { name: "X" } });
  await ex("update-user ok name", "POST", "/update-user", { jar: "alice", json: { name: "Alice Renamed" } });
  await ex("get-session after update-user", "GET", "/get-session", { jar: "alice" });
  await ex("update-user additional fields + image", "POST", "/update-user", { jar: "alice", json: { softwareBackground: "go", hardwareBackground: "arm", image: "https://img.example/y.png" } });
  await ex("update-user image null", "POST", "/update-user", { jar: "alice", json: { image: null } });
  await ex("update-user email", "POST", "/update-user", { jar: "alice", json: { email: email("newmail") } });
  await ex("update-user isAnonymous", "POST", "/update-user", { jar: "alice", json: { isAnonymous: true } });
  await ex("update-user emailVerified", "POST", "/update-user", { jar: "alice", json: { emailVerified: true } });
  await ex("update-user unknown field", "POST", "/update-user", { jar: "alice", json: { foo: "bar" } });
  await ex("update-user unknown field + name", "POST", "/update-user", { jar: "alice", json: { foo: "bar", name: "Alice" } });
  await ex("update-user empty object", "POST", "/update-user", { jar: "alice", json: {} });
  await ex("update-user no body", "POST", "/update-user", { jar: "alice", ct: null });
  await ex("update-user name number", "POST", "/update-user", { jar: "alice", json: { name: 7 } });
  await ex("update-user form-urlencoded", "POST", "/update-user", { jar: "alice", ct: "application/x-www-form-urlencoded", raw: "name=Formy" });
  await ex("update-user text/plain", "POST", "/update-user", { jar: "alice", ct: "text/plain", raw: JSON.stringify({ name: "Texty" }) });
  await ex("update-user malformed JSON", "POST", "/update-user", { jar: "alice", raw: "{nope" });
  await ex("update-user JSON array", "POST", "/update-user", { jar: "alice", raw: "[]" });
  await ex("update-user JSON null", "POST", "/update-user", { jar: "alice", raw: "null" });
  await ex("update-user via Bearer (no cookie, no origin)", "POST", "/update-user", { headers: { authorization: `Bearer ${aliceSignedToken}` }, json: { name: "Bearer Alice" } });
  // origin checks on a state-changing request carrying a Cookie
  await ex("update-user cookie + Origin evil", "POST", "/update-user", { jar: "alice", origin: EVIL, json: { name: "Evil" } });
  await ex("update-user cookie + no Origin", "POST", "/update-user", { jar: "alice", origin: false, json: { name: "NoOrigin" } });
  await ex("update-user cookie + Origin null", "POST", "/update-user", { jar: "alice", origin: "null", json: { name: "NullOrigin" } });
  await ex("update-user cookie + Origin trusted", "POST", "/update-user", { jar: "alice", origin: ORIGIN, json: { name: "Alice" } });
  await ex("update-user cookie + Referer trusted only", "POST", "/update-user", { jar: "alice", origin: false, headers: { referer: ORIGIN + "/some/page" }, json: { name: "Alice" } });
  await ex("update-user cookie + Referer evil only", "POST", "/update-user", { jar: "alice", origin: false, headers: { referer: EVIL + "/p" }, json: { name: "Alice" } });
  await ex("update-user cookie + Origin trusted with trailing slash", "POST", "/update-user", { jar: "alice", origin: ORIGIN + "/", json: { name: "Alice" } });
  await ex("update-user unrelated cookie only + Origin evil (no session)", "POST", "/update-user", { cookie: "foo=bar", origin: EVIL, json: { name: "x" } });
  await ex("update-user cookie + Sec-Fetch-Site cross-site, Origin trusted", "POST", "/update-user", { jar: "alice", headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }, json: { name: "Alice" } });

  // --- CORS preflight
  await ex("OPTIONS preflight trusted origin", "OPTIONS", "/sign-in/email", { origin: ORIGIN, headers: { "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
  await ex("OPTIONS preflight evil origin", "OPTIONS", "/get-session", { origin: EVIL, headers: { "access-control-request-method": "GET" } });
  await ex("GET ok with Origin trusted (CORS headers?)", "GET", "/ok", { origin: ORIGIN });

  // --- sessions management: alice has sessions in jars alice, alice2, alice3, aliceForm, aliceRM
  const bob = email("bob");
  await ex("sign-up bob", "POST", "/sign-up/email", { jar: "bob", json: { name: "Bob", email: bob, password: pw } });
  const bobTok = tokenFromJar("bob");
  await ex("revoke-session no session", "POST", "/revoke-session", { json: { token: bobTok } });
  await ex("revoke-session other user's token", "POST", "/revoke-session", { jar: "alice", json: { token: bobTok } });
  await ex("get-session bob after alice tried to revoke it", "GET", "/get-session", { jar: "bob" });
  await ex("revoke-session nonexistent token", "POST", "/revoke-session", { jar: "alice", json: { token: "x".repeat(32) } });
  await ex("revoke-session missing token", "POST", "/revoke-session", { jar: "alice", json: {} });
  await ex("revoke-session token number", "POST", "/revoke-session", { jar: "alice", json: { token: 1 } });
  await ex("revoke-session signed token form", "POST", "/revoke-session", { jar: "alice", json: { token: decodeURIComponent(jar("alice3").get("better-auth.session_token")) } });
  await ex("revoke-session own other session (alice3)", "POST", "/revoke-session", { jar: "alice", json: { token: tokenFromJar("alice3") } });
  await ex("get-session on revoked session (alice3)", "GET", "/get-session", { jar: "alice3" });
  await ex("sign-in alice4 (to revoke own current session)", "POST", "/sign-in/email", { jar: "alice4", json: { email: alice, password: pw } });
  await ex("revoke-session own CURRENT session (alice4)", "POST", "/revoke-session", { jar: "alice4", json: { token: tokenFromJar("alice4") } });
  await ex("sign-in with X-Forwarded-For (session ipAddress)", "POST", "/sign-in/email", { jar: "alice5", headers: { "x-forwarded-for": "203.0.113.50" }, json: { email: alice, password: pw } });
  await ex("get-session with stray session_data cookie (cache disabled)", "GET", "/get-session", { cookie: `${cookieHeader(jar("alice5"))}; better-auth.session_data=abc` });
  await ex("revoke-session GET", "GET", "/revoke-session", { jar: "alice" });
  await ex("revoke-other-sessions no session", "POST", "/revoke-other-sessions", { json: {} });
  await ex("revoke-other-sessions ok (alice2)", "POST", "/revoke-other-sessions", { jar: "alice2", json: {} });
  await ex("get-session alice after revoke-other-sessions", "GET", "/get-session", { jar: "alice" });
  await ex("list-sessions alice2 after revoke-other-sessions", "GET", "/list-sessions", { jar: "alice2" });
  await ex("revoke-sessions no session", "POST", "/revoke-sessions", { json: {} });
  await ex("revoke-sessions ok no body", "POST", "/revoke-sessions", { jar: "alice2", ct: null });
  await ex("get-session alice2 after revoke-sessions", "GET", "/get-session", { jar: "alice2" });

  // --- change-password (carol)
  const carol = email("carol");
  await ex("sign-up carol", "POST", "/sign-up/email", { jar: "carol", json: { name: "Carol", email: carol, password: pw } });
  await ex("sign-in carol second session", "POST", "/sign-in/email", { jar: "carol2", json: { email: carol, password: pw } });
  await ex("sign-in carol third session", "POST", "/sign-in/email", { jar: "carol3", json: { email: carol, password: pw } });
  await ex("change-password no session", "POST", "/change-password", { json: { currentPassword: pw, newPassword: "another-pass-2" } });
  await ex("change-password wrong current", "POST", "/change-password", { jar: "carol", json: { currentPassword: "wrong-pass-9", newPassword: "another-pass-2" } });
  await ex("change-password new too short", "POST", "/change-password", { jar: "carol", json: { currentPassword: pw, newPassword: "short" } });
  await ex("change-password new too long", "POST", "/change-password", { jar: "carol", json: { currentPassword: pw, newPassword: "a".repeat(129) } });
  await ex("change-password missing fields", "POST", "/change-password", { jar: "carol", json: {} });
  await ex("change-password revokeOtherSessions:false", "POST", "/change-password", { jar: "carol", json: { currentPassword: pw, newPassword: "another-pass-2", revokeOtherSessions: false } });
  await ex("get-session carol2 after change (no revoke)", "GET", "/get-session", { jar: "carol2" });
  await ex("change-password revokeOtherSessions:true", "POST", "/change-password", { jar: "carol", json: { currentPassword: "another-pass-2", newPassword: "third-pass-33", revokeOtherSessions: true } });
  await ex("get-session carol (new cookie) after revoke", "GET", "/get-session", { jar: "carol" });
  await ex("get-session carol2 after revokeOtherSessions", "GET", "/get-session", { jar: "carol2" });
  await ex("sign-in carol old password", "POST", "/sign-in/email", { json: { email: carol, password: pw } });
  await ex("sign-in carol new password", "POST", "/sign-in/email", { json: { email: carol, password: "third-pass-33" } });

  // --- linked accounts (carol has her credential account only)
  await ex("list-accounts no session", "GET", "/list-accounts");
  await ex("list-accounts ok", "GET", "/list-accounts", { jar: "carol" });
  const carolAccount = last.json?.[0]?.id ?? "none";
  await ex("list-accounts POST (GET-only)", "POST", "/list-accounts", { jar: "carol", json: {} });
  await ex("unlink-account missing accountId", "POST", "/unlink-account", { jar: "carol", json: {} });
  await ex("unlink-account accountId number", "POST", "/unlink-account", { jar: "carol", json: { accountId: 2 } });
  await ex("unlink-account no session", "POST", "/unlink-account", { json: { accountId: "x" } });
  await ex("unlink-account unknown id", "POST", "/unlink-account", { jar: "carol", json: { accountId: "not-an-account" } });
  await ex("unlink-account the last one", "POST", "/unlink-account", { jar: "carol", json: { accountId: carolAccount } });
  await ex("list-accounts after refused unlink", "GET", "/list-accounts", { jar: "carol" });
  await ex("sign-in/anonymous for accounts", "POST", "/sign-in/anonymous", { jar: "anonAccounts" });
  await ex("list-accounts anonymous", "GET", "/list-accounts", { jar: "anonAccounts" });
  await ex("unlink-account anonymous", "POST", "/unlink-account", { jar: "anonAccounts", json: { accountId: "x" } });

  // --- the mail flows, which the reference configures none of
  await ex("change-email no session", "POST", "/change-email", { json: { newEmail: email("changed") } });
  await ex("change-email missing", "POST", "/change-email", { jar: "carol", json: {} });
  await ex("change-email invalid", "POST", "/change-email", { jar: "carol", json: { newEmail: "nope" } });
  await ex("change-email evil callbackURL", "POST", "/change-email", { jar: "carol", json: { newEmail: email("changed"), callbackURL: `${EVIL}/x` } });
  await ex("change-email ok", "POST", "/change-email", { jar: "carol", json: { newEmail: email("changed"), callbackURL: "/settings" } });
  await ex("request-password-reset missing", "POST", "/request-password-reset", { json: {} });
  await ex("request-password-reset invalid", "POST", "/request-password-reset", { json: { email: "nope" } });
  await ex("request-password-reset evil redirectTo", "POST", "/request-password-reset", { json: { email: carol, redirectTo: `${EVIL}/reset` } });
  await ex("request-password-reset known", "POST", "/request-password-reset", { json: { email: carol, redirectTo: "/reset" } });
  await ex("request-password-reset unknown", "POST", "/request-password-reset", { json: { email: email("nobody") } });
  await ex("forget-password (old name)", "POST", "/forget-password", { json: { email: carol } });
  await ex("reset-password missing", "POST", "/reset-password", { json: {} });
  await ex("reset-password too short", "POST", "/reset-password", { json: { newPassword: "short", token: "t" } });
  await ex("reset-password too long", "POST", "/reset-password", { json: { newPassword: "a".repeat(129), token: "t" } });
  await ex("reset-password no token", "POST", "/reset-password", { json: { newPassword: "a-new-password-1" } });
  await ex("reset-password unknown token", "POST", "/reset-password", { json: { newPassword: "a-new-password-1", token: "abc" } });
  await ex("reset-password token number", "POST", "/reset-password", { json: { newPassword: "a-new-password-1", token: 5 } });
  await ex("reset-password short, no token", "POST", "/reset-password", { json: { newPassword: "short" } });
  await ex("reset-password short, token in query", "POST", "/reset-password?token=abc", { json: { newPassword: "short" } });
  await ex("reset-password token in query", "POST", "/reset-password?token=abc", { json: { newPassword: "a-new-password-1" } });
  await ex("reset-password link", "GET", "/reset-password/abc?callbackURL=%2Freset");
  await ex("reset-password link, callback with query", "GET", "/reset-password/abc?callbackURL=%2Freset%3Fa%3D1%26error%3Dold");
  await ex("reset-password link, absolute trusted callback", "GET", `/reset-password/abc?callbackURL=${encodeURIComponent(ORIGIN + "/ok")}`);
  await ex("reset-password link, no callback", "GET", "/reset-password/abc");
  await ex("reset-password link, evil callback", "GET", `/reset-password/abc?callbackURL=${encodeURIComponent(EVIL + "/x")}`);
  await ex("send-verification-email missing", "POST", "/send-verification-email", { json: {} });
  await ex("send-verification-email invalid", "POST", "/send-verification-email", { json: { email: "nope" } });
  await ex("send-verification-email evil callbackURL", "POST", "/send-verification-email", { json: { email: carol, callbackURL: `${EVIL}/v` } });
  await ex("send-verification-email ok", "POST", "/send-verification-email", { json: { email: carol } });
  await ex("send-verification-email signed in", "POST", "/send-verification-email", { jar: "carol", json: { email: carol } });
  await ex("verify-email no token", "GET", "/verify-email");
  await ex("verify-email unknown token", "GET", "/verify-email?token=abc");
  await ex("verify-email token + callbackURL", "GET", "/verify-email?token=abc&callbackURL=%2Fdone");
  await ex("verify-email token + callbackURL with query", "GET", "/verify-email?token=abc&callbackURL=%2Fdone%3Fx%3D1");
  await ex("verify-email token + evil callbackURL", "GET", `/verify-email?token=abc&callbackURL=${encodeURIComponent(EVIL + "/v")}`);
  // Social sign-in with no provider configured on either server: the URL checks come first,
  // then the provider; a callback without a flow goes to the error page.
  await ex("sign-in/social unknown provider", "POST", "/sign-in/social", { json: { provider: "myspace", callbackURL: "/x" } });
  await ex("sign-in/social evil callbackURL", "POST", "/sign-in/social", { json: { provider: "github", callbackURL: `${EVIL}/x` } });
  await ex("sign-in/social evil errorCallbackURL", "POST", "/sign-in/social", { json: { provider: "github", errorCallbackURL: "//evil.example/x" } });
  await ex("callback without state", "GET", "/callback/github?code=abc");
  await ex("callback with an unknown state", "GET", "/callback/github?code=abc&state=forged");
  await ex("verify-email POST (GET-only)", "POST", "/verify-email", { json: {} });

  // --- anonymous
  await ex("sign-in/anonymous", "POST", "/sign-in/anonymous", { jar: "anon" });
  const anonTok = tokenFromJar("anon");
  await ex("get-session anonymous", "GET", "/get-session", { jar: "anon" });
  await ex("sign-in/anonymous again with anonymous cookie", "POST", "/sign-in/anonymous", { jar: "anon", noStore: true });
  await ex("sign-in/anonymous with JSON body {}", "POST", "/sign-in/anonymous", { json: {} });
  await ex("sign-in/anonymous GET", "GET", "/sign-in/anonymous");
  await ex("sign-in/anonymous while signed in as real user", "POST", "/sign-in/anonymous", { jar: "bob", noStore: true });
  await ex("sign-in/anonymous no cookie Origin evil", "POST", "/sign-in/anonymous", { origin: EVIL });
  await ex("update-user as anonymous", "POST", "/update-user", { jar: "anon", json: { name: "Guest Name" } });
  await ex("change-password as anonymous", "POST", "/change-password", { jar: "anon", json: { currentPassword: pw, newPassword: "another-pass-2" } });
  await ex("sign-up while anonymous (upgrade)", "POST", "/sign-up/email", { jar: "anon", json: { name: "Dave", email: email("dave"), password: pw } });
  await ex("get-session after upgrade", "GET", "/get-session", { jar: "anon" });
  await ex("get-session old anonymous token (Bearer raw)", "GET", "/get-session", { headers: { authorization: `Bearer ${anonTok}` } });
  await ex("sign-in/anonymous (second guest)", "POST", "/sign-in/anonymous", { jar: "anon2" });
  const anon2Tok = tokenFromJar("anon2");
  await ex("sign-in existing user while anonymous", "POST", "/sign-in/email", { jar: "anon2", json: { email: bob, password: pw } });
  await ex("get-session after anonymous->sign-in", "GET", "/get-session", { jar: "anon2" });
  await ex("get-session old anonymous token 2 (Bearer raw)", "GET", "/get-session", { headers: { authorization: `Bearer ${anon2Tok}` } });
  await ex("sign-in/anonymous (third guest)", "POST", "/sign-in/anonymous", { jar: "anon3" });
  const anon3Tok = tokenFromJar("anon3");
  await ex("failed sign-in while anonymous", "POST", "/sign-in/email", { jar: "anon3", json: { email: bob, password: "wrong-password-1" } });
  await ex("get-session anonymous after failed sign-in", "GET", "/get-session", { headers: { authorization: `Bearer ${anon3Tok}` } });
  await ex("sign-out anonymous", "POST", "/sign-out", { jar: "anon3" });
  await ex("get-session anonymous token after sign-out", "GET", "/get-session", { headers: { authorization: `Bearer ${anon3Tok}` } });

  // --- sign-out
  await ex("sign-out no session", "POST", "/sign-out", { json: {} });
  await ex("sign-out no session no body", "POST", "/sign-out", { ct: null });
  await ex("sign-out cookie + Origin evil", "POST", "/sign-out", { jar: "bob", origin: EVIL });
  await ex("sign-out cookie + no Origin", "POST", "/sign-out", { jar: "bob", origin: false });
  await ex("sign-out via Bearer only", "POST", "/sign-out", { headers: { authorization: `Bearer ${aliceSignedToken}` } });
  await ex("get-session alice after Bearer sign-out", "GET", "/get-session", { jar: "alice" });
  await ex("sign-out ok", "POST", "/sign-out", { jar: "bob" });
  await ex("get-session bob after sign-out (stale cookie re-sent)", "GET", "/get-session", { cookie: `better-auth.session_token=${encodeURIComponent(bobTok)}` });
  await ex("sign-out with stale session cookie", "POST", "/sign-out", { cookie: `better-auth.session_token=${jar("alice").get("better-auth.session_token") || "x"}`, origin: true });

  // --- sizes
  const bigName = "n".repeat(1024 * 1024);
  await ex("sign-up 1MB body", "POST", "/sign-up/email", { raw: JSON.stringify({ name: bigName, email: email("big1"), password: pw }) });
  await ex("sign-in 10MB body", "POST", "/sign-in/email", { raw: JSON.stringify({ email: email("big10"), password: pw, pad: "p".repeat(10 * 1024 * 1024) }) });
  await ex("get-session 8KB header", "GET", "/get-session", { headers: { "x-big": "h".repeat(8 * 1024) } });
  await ex("get-session 20KB header", "GET", "/get-session", { headers: { "x-big": "h".repeat(20 * 1024) } });
  await ex("sign-up name 300 chars", "POST", "/sign-up/email", { json: { name: "N".repeat(300), email: email("longname"), password: pw } });
  await ex("sign-up email 260 chars", "POST", "/sign-up/email", { json: { name: "x", email: "e".repeat(238) + RUN + "@example.com", password: pw } });
}

async function rateLimited(pw) {
  const u = email("rl");
  await ex("sign-up (rate bucket /sign-up/email)", "POST", "/sign-up/email", { json: { name: "RL", email: u, password: pw } });
  const t0 = Date.now();
  for (let i = 1; i <= 4; i++) await ex(`sign-in #${i} no XFF`, "POST", "/sign-in/email", { json: { email: u, password: pw } });
  await ex("sign-in #5 wrong password (still limited?)", "POST", "/sign-in/email", { json: { email: u, password: "bad-password-1" } });
  await ex("sign-up in same window (separate path bucket?)", "POST", "/sign-up/email", { json: { name: "RL", email: email("rl2"), password: pw } });
  await ex("sign-in/anonymous (shares /sign-in prefix rule, own path key?)", "POST", "/sign-in/anonymous", {});
  await ex("get-session during sign-in limit", "GET", "/get-session");
  for (let i = 1; i <= 4; i++) await ex(`sign-in #${i} XFF 203.0.113.7`, "POST", "/sign-in/email", { headers: { "x-forwarded-for": "203.0.113.7" }, json: { email: u, password: pw } });
  await ex("sign-in XFF 203.0.113.8 (other ip)", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "203.0.113.8" }, json: { email: u, password: pw } });
  await ex("sign-in XFF two hops '203.0.113.7, 10.0.0.1'", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" }, json: { email: u, password: pw } });
  await ex("sign-in XFF garbage", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "not-an-ip" }, json: { email: u, password: pw } });
  await ex("sign-in X-Real-IP only", "POST", "/sign-in/email", { headers: { "x-real-ip": "203.0.113.9" }, json: { email: u, password: pw } });
  for (let i = 1; i <= 2; i++) await ex(`sign-in IPv6 2001:db8:1:2::${i} (same /64)`, "POST", "/sign-in/email", { headers: { "x-forwarded-for": `2001:db8:1:2::${i}` }, json: { email: u, password: pw } });
  await ex("sign-in IPv6 2001:db8:1:2::3 (same /64, 3rd)", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "2001:db8:1:2::3" }, json: { email: u, password: pw } });
  await ex("sign-in IPv6 2001:db8:1:2::4 (same /64, 4th)", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "2001:db8:1:2::4" }, json: { email: u, password: pw } });
  await ex("sign-in IPv4-mapped ::ffff:203.0.113.7", "POST", "/sign-in/email", { headers: { "x-forwarded-for": "::ffff:203.0.113.7" }, json: { email: u, password: pw } });
  // window semantics: wait 5s, still limited? the Retry-After should have dropped by ~5
  const waitUntil = async (ms) => { const d = t0 + ms - Date.now(); if (d > 0) await sleep(d); };
  await waitUntil(5000);
  note("t=~5s after first sign-in", { elapsedMs: Math.round((Date.now() - t0) / 1000) * 1000 });
  await ex("sign-in no XFF at t≈5s", "POST", "/sign-in/email", { json: { email: u, password: pw } });
  await waitUntil(10500);
  note("t=~10.5s after first sign-in", { elapsedMs: Math.round((Date.now() - t0) / 1000) * 1000 });
  await ex("sign-in no XFF at t≈10.5s (window since last ALLOWED request passed?)", "POST", "/sign-in/email", { json: { email: u, password: pw } });
  await ex("sign-in no XFF at t≈10.5s #2", "POST", "/sign-in/email", { json: { email: u, password: pw } });
  await ex("sign-in no XFF at t≈10.5s #3", "POST", "/sign-in/email", { json: { email: u, password: pw } });
  await ex("sign-in no XFF at t≈10.5s #4 (limited again)", "POST", "/sign-in/email", { json: { email: u, password: pw } });
  // get-session default rule: 100 / 10s
  let first429 = null;
  for (let i = 1; i <= 101; i++) {
    const r = await ex(`get-session burst #${i}`, "GET", "/get-session", { headers: { "x-forwarded-for": "198.51.100.1" } });
    if (r.status === 429 && first429 === null) first429 = i;
    if (i < 100 && r.status === 200) exchanges.pop(); // keep transcript short; only the tail is kept
  }
  note("get-session burst first 429 at request #", first429);
}

main().then(() => {
  process.stdout.write(JSON.stringify({ tool: "lectern compat capture v1", mode: RATE ? "rate-limited" : "default", base: "<BASE>", exchanges }, null, 1) + "\n");
}).catch((e) => { console.error(e); process.exit(2); });
