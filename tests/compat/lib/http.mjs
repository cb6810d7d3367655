// Raw HTTP against /api/auth, for tests that move cookies and tokens between servers
// by hand (the official client would hide exactly what those tests need to see).
const COOKIE = "better-auth.session_token";

/**
 * call(base, "/get-session", {method, json, cookie, bearer})
 *  cookie: a session_token cookie value (as set by a server) or a full Cookie header
 *  bearer: an Authorization: Bearer value
 * Always sends `Origin: <base origin>` (the trusted origin), as a same-site page would.
 * Returns {status, body, headers, setCookies, sessionCookie, authToken}; sessionCookie is
 * the live session_token value set by the answer, null if cleared, undefined if untouched.
 */
export async function call(base, path, { method, json, cookie, bearer } = {}) {
  const headers = { origin: new URL(base).origin };
  if (json !== undefined) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie.includes("=") ? cookie : `${COOKIE}=${cookie}`;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(`${base}/api/auth${path}`, {
    method: method || (json !== undefined ? "POST" : "GET"),
    headers,
    body: json !== undefined ? JSON.stringify(json) : undefined,
    signal: AbortSignal.timeout(15000),
  });
  const text = await res.text();
  let body = text;
  try { body = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  const setCookies = res.headers.getSetCookie();
  let sessionCookie;
  for (const sc of setCookies) {
    const m = new RegExp(`^${COOKIE.replace(".", "\\.")}=([^;]*)`).exec(sc);
    if (m) sessionCookie = m[1] && !/max-age=0/i.test(sc) ? m[1] : null;
  }
  return { status: res.status, body, headers: res.headers, setCookies, sessionCookie, authToken: res.headers.get("set-auth-token") };
}

export const post = (base, path, json = {}, opts = {}) => call(base, path, { ...opts, json });
