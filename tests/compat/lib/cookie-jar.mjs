// Node's fetch has no cookie jar. These wrappers make the official client behave like a
// browser tab (cookies kept, Origin sent) or like a bearer-only app (no cookies at all,
// requests recorded so the test can prove it).

/** A minimal browser-like jar: name -> value; Max-Age<=0 / past Expires / empty value delete. */
export class CookieJar {
  constructor() { this.cookies = new Map(); }
  absorb(setCookies) {
    for (const line of setCookies) {
      const [nv, ...attrs] = line.split(";");
      const eq = nv.indexOf("=");
      const name = nv.slice(0, eq).trim(), value = nv.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => /^\s*max-age\s*=\s*(-?\d+)\s*$/i.exec(a)).find(Boolean);
      const expires = attrs.map((a) => /^\s*expires\s*=(.*)$/i.exec(a)).find(Boolean);
      const dead = (maxAge && Number(maxAge[1]) <= 0) || (!maxAge && expires && Date.parse(expires[1]) <= Date.now());
      if (dead || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "); }
  get(name) { return this.cookies.get(name); }
  /** The session token part (before the signature) of better-auth.session_token, if any. */
  sessionToken() {
    const v = this.get("better-auth.session_token");
    return v ? decodeURIComponent(v).split(".")[0] : undefined;
  }
}

/** fetch that keeps cookies and sends `Origin: <server origin>` like a same-site page. */
export function browserFetch(baseURL) {
  const jar = new CookieJar();
  const origin = new URL(baseURL).origin;
  const impl = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.cookies.size) headers.set("cookie", jar.header());
    headers.set("origin", origin);
    const res = await fetch(input, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(15000) });
    jar.absorb(res.headers.getSetCookie());
    return res;
  };
  return { impl, jar };
}

/**
 * fetch with no cookies at all (what a bearer-only app does), recording requests and
 * responses. It still sends Origin, as any browser page does on POST: Node's fetch adds
 * `sec-fetch-mode: cors`, and Better Auth then validates the origin of sign-in/up even
 * without cookies, so leaving Origin out would get 403 MISSING_OR_NULL_ORIGIN.
 */
export function plainFetch(baseURL) {
  const origin = new URL(baseURL).origin;
  const requests = [];
  const impl = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("origin", origin);
    const rec = { url: String(input), method: init.method || "GET", headers };
    requests.push(rec);
    const res = await fetch(input, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(15000) });
    rec.setCookies = res.headers.getSetCookie();
    return res;
  };
  return { impl, requests };
}
