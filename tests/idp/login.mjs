// Signing in at the test IdP (server.mjs) the way a browser would, with fetch.
//
//   const back = await loginAtIdp(authorizeUrl, "ann@example.test");
//   // back: the URL the IdP sends the browser to, the relying party's callback with
//   // ?code=…&state=… (or ?error=access_denied&… with { deny: true }); not followed.
//
// Works for both halves (/oidc and /github): it follows the IdP's redirects with its own
// cookie jar (oidc-provider's interaction cookies), fills input[name=login] of the page's
// form, submits it with the button a person would press, and stops at the first redirect
// that leaves the IdP's origin. Bounded: at most 20 requests, 10 s each.
const MAX_STEPS = 20;

class Jar {
  constructor() { this.cookies = new Map(); }
  absorb(res) {
    for (const line of res.headers.getSetCookie()) {
      const [nv, ...attrs] = line.split(";");
      const eq = nv.indexOf("=");
      const name = nv.slice(0, eq).trim(), value = nv.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a) ||
        (/^\s*expires\s*=/i.test(a) && Date.parse(a.split("=")[1]) <= Date.now()));
      if (gone || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "); }
}

const decode = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const attr = (tag, name) => {
  const m = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, "i").exec(tag);
  return m ? decode(m[1]) : null;
};

/** The first form of an HTML page: action, method, and its named inputs' values. */
function parseForm(html, pageUrl) {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const open = form[0].slice(0, form[0].indexOf(">") + 1);
  const fields = new URLSearchParams();
  for (const [input] of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input, "name");
    if (name) fields.append(name, attr(input, "value") ?? "");
  }
  return {
    action: new URL(attr(open, "action") || pageUrl, pageUrl).href,
    method: (attr(open, "method") || "get").toUpperCase(),
    fields,
  };
}

/**
 * Sign `login` in at the IdP page `authorizeUrl` leads to; returns the redirect Location
 * (absolute) that points back at the relying party. With `deny: true`, presses Deny instead.
 */
export async function loginAtIdp(authorizeUrl, login, { deny = false } = {}) {
  const idpOrigin = new URL(authorizeUrl).origin;
  const jar = new Jar();
  let url = new URL(authorizeUrl).href;
  let init = { method: "GET" };
  let submitted = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const headers = new Headers(init.headers);
    if (jar.cookies.size) headers.set("cookie", jar.header());
    const res = await fetch(url, { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    jar.absorb(res);
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get("location");
      if (!location) throw new Error(`loginAtIdp: ${res.status} without Location from ${url}`);
      const next = new URL(location, url);
      await res.body?.cancel();
      if (next.origin !== idpOrigin) return next.href; // back to the relying party
      url = next.href;
      init = { method: "GET" };
      continue;
    }
    const html = await res.text();
    const form = res.status === 200 ? parseForm(html, url) : null;
    if (!form || !form.fields.has("login") || submitted) {
      const text = html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
      throw new Error(`loginAtIdp: ${res.status} at ${url} ${submitted ? "after the login was submitted" : "has no login form"}: ${text}`);
    }
    form.fields.set("login", login);
    form.fields.set("action", deny ? "deny" : "login");
    submitted = true;
    if (form.method === "GET") {
      const to = new URL(form.action);
      for (const [k, v] of form.fields) to.searchParams.append(k, v);
      url = to.href;
      init = { method: "GET" };
    } else {
      url = form.action;
      init = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: idpOrigin }, body: form.fields.toString() };
    }
  }
  throw new Error(`loginAtIdp: still at the IdP after ${MAX_STEPS} requests (last ${url})`);
}
