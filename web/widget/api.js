/* Talking to Lectern: JSON requests with the session cookie or, across sites, the session token
 * as a bearer token; and Server-Sent Events over fetch. */

/* Public suffixes under which every name is someone else's site: the hosts books and servers
 * are published on, and the common country second levels. Elsewhere a site is the last two
 * labels, and an IP address or single label is its own site. */
const SUFFIXES = new Set(("github.io gitlab.io vercel.app netlify.app pages.dev web.app firebaseapp.com " +
  "herokuapp.com onrender.com fly.dev up.railway.app railway.app azurestaticapps.net azurewebsites.net " +
  "cloudfront.net surge.sh readthedocs.io codeberg.page co.uk org.uk ac.uk gov.uk com.au edu.au co.jp " +
  "co.nz co.in com.br com.cn").split(" "));
function site(host) {
  if (/^[\d.]+$|:/.test(host)) return host;
  const labels = host.toLowerCase().split(".");
  for (let n = labels.length - 1; n > 0; n--) {
    if (SUFFIXES.has(labels.slice(-n).join("."))) return labels.slice(-n - 1).join(".");
  }
  return labels.slice(-2).join(".");
}
/* Across sites (a book on GitHub Pages, Lectern on Fly) the session cookie cannot work: it is
 * SameSite=Lax, so a cross-site fetch never carries it, and browsers that block third-party
 * cookies would not keep it anyway. There the widget uses Better Auth's bearer protocol: every
 * response's `set-auth-token` (sign-up, sign-in, guest, a refreshed session) is kept and sent
 * back as `Authorization: Bearer`, and no cookie is used at all. The token lives in
 * localStorage, per Lectern origin, so the reader stays signed in across reloads and tabs as
 * with a cookie; the cost is that a script injected into the book's site could read it (a cookie
 * is HttpOnly), which the site's CSP and the session's lifetime bound. sessionStorage would
 * sign the reader out with every new tab; memory, with every page of the book. Same site, the
 * HttpOnly cookie stays: `data-auth="bearer"|"cookie"` overrides the choice. */
const BEARER = cfg.auth === "bearer" || (cfg.auth !== "cookie" && site(location.hostname) !== site(new URL(SERVER).hostname));
class ApiError extends Error {
  constructor(status, body, res) {
    super((body && body.message) || "");
    this.status = status;
    this.code = (body && body.code) || "";
    this.fields = (body && body.fields) || null;
    const ra = res && (res.headers.get("x-retry-after") || res.headers.get("retry-after"));
    this.retry = ra && /^\d+$/.test(ra.trim()) ? Math.max(1, +ra) : 0;
  }
}
async function request(path, opts = {}) {
  const init = { method: opts.method || "GET", credentials: BEARER ? "omit" : "include", headers: { accept: "application/json" }, signal: opts.signal };
  const bearer = BEARER && kept.get("token");
  if (bearer) init.headers.authorization = "Bearer " + bearer;
  if (opts.body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(opts.body);
  }
  if (opts.stream) init.headers.accept = "text/event-stream";
  let res;
  try {
    res = await fetch(SERVER + path, init);
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, { code: "NETWORK", message: OFFLINE });
  }
  if (BEARER) {
    const fresh = res.headers.get("set-auth-token");
    if (fresh) kept.set("token", fresh);
    // A 401 means the token is no longer good, except from a sign-in or sign-up that failed
    // on its credentials: a guest who mistypes a password keeps the guest's session.
    else if ((res.status === 401 && !/^\/api\/auth\/sign-(in|up)\//.test(path)) || (path === "/api/auth/sign-out" && res.ok)) kept.set("token", null);
  }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* 429 and 5xx may have no JSON */ }
    throw new ApiError(res.status, body, res);
  }
  return res;
}
async function api(path, opts) {
  const res = await request(path, opts);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}
const post = (path, body = {}) => api(path, { method: "POST", body });

/** Server-Sent Events over a fetch body: events may be split across chunks, CRLF or LF. */
async function readEvents(res, onEvent) {
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "", type = "", data = [];
  const line = (l) => {
    if (l === "") {
      if (data.length) onEvent(type || "message", data.join("\n"));
      type = ""; data = [];
      return;
    }
    if (l[0] === ":") return;
    const i = l.indexOf(":");
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? "" : l.slice(i + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  };
  for (;;) {
    const { value, done } = await reader.read();
    buf += done ? dec.decode() : dec.decode(value, { stream: true });
    let m;
    // A lone CR at the end may be the first half of a CRLF: wait for the next chunk.
    while ((m = /\r\n|\r|\n/.exec(buf)) && !(m[0] === "\r" && m.index === buf.length - 1 && !done)) {
      line(buf.slice(0, m.index));
      buf = buf.slice(m.index + m[0].length);
    }
    if (done) {
      if (buf) line(buf);
      line("");
      return;
    }
  }
}
