// src/lectern.js: the official better-auth client and Lectern's reader API, with the session
// kept as a bearer token, for a book on another site than Lectern.
import { createAuthClient } from "better-auth/react";
import { anonymousClient, inferAdditionalFields } from "better-auth/client/plugins";

const KEY = "lectern-session-token";
const token = () => localStorage.getItem(KEY) ?? "";

/** Keeps the session token Lectern sends: sign-up, sign-in, guest, every refresh. */
function keep(response) {
  const fresh = response.headers.get("set-auth-token");
  if (fresh) localStorage.setItem(KEY, fresh);
}

export function createLectern(baseURL) {
  const authClient = createAuthClient({
    baseURL, // the client adds /api/auth
    plugins: [
      anonymousClient(), // authClient.signIn.anonymous(): guests
      inferAdditionalFields({
        user: {
          softwareBackground: { type: "string", required: false },
          hardwareBackground: { type: "string", required: false },
        },
      }),
    ],
    fetchOptions: {
      auth: { type: "Bearer", token },
      onSuccess: (ctx) => keep(ctx.response),
    },
  });

  /** The reader API, with the same token. */
  async function api(path, { method = "GET", body } = {}) {
    const headers = { authorization: `Bearer ${token()}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(baseURL + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    keep(res);
    const data = await res.json().catch(() => null);
    if (!res.ok) throw Object.assign(new Error(data?.message ?? res.statusText), { status: res.status, ...data });
    return data;
  }

  async function signOut() {
    await authClient.signOut();
    localStorage.removeItem(KEY);
  }

  return { authClient, api, signOut };
}
