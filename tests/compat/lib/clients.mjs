// The official better-auth clients, wired for Node (see cookie-jar.mjs for why).
import { createAuthClient } from "better-auth/client";
// better-auth/react needs the `react` package (an optional peer dependency, hence the
// devDependency) but no DOM: only its hooks touch React, the actions share the core.
import { createAuthClient as createReactAuthClient } from "better-auth/react";
import { anonymousClient, inferAdditionalFields, oneTimeTokenClient } from "better-auth/client/plugins";
import { browserFetch, plainFetch } from "./cookie-jar.mjs";

// Same plugins a Docusaurus site would configure against Lectern.
const plugins = () => [
  anonymousClient(),
  oneTimeTokenClient(),
  inferAdditionalFields({
    user: {
      softwareBackground: { type: "string", required: false },
      hardwareBackground: { type: "string", required: false },
    },
  }),
];

/** A browser-tab-like client: cookies kept between calls, Origin sent. */
export function cookieClient(baseURL, { react = false } = {}) {
  const { impl, jar } = browserFetch(baseURL);
  const create = react ? createReactAuthClient : createAuthClient;
  const client = create({ baseURL, plugins: plugins(), fetchOptions: { customFetchImpl: impl } });
  return { client, jar };
}

/**
 * A bearer-only client as in Better Auth's bearer docs: the token comes from the
 * `set-auth-token` response header and goes back as `Authorization: Bearer`; no cookies.
 */
export function bearerClient(baseURL) {
  const { impl, requests } = plainFetch(baseURL);
  const state = { token: "" };
  const client = createAuthClient({
    baseURL,
    plugins: plugins(),
    fetchOptions: {
      customFetchImpl: impl,
      auth: { type: "Bearer", token: () => state.token },
      onSuccess: (ctx) => {
        const t = ctx.response.headers.get("set-auth-token");
        if (t) state.token = t;
      },
    },
  });
  return { client, state, requests };
}

/** A browser for flows that leave the page: the official client with its cookie jar. */
export function browser(base) {
  const { client, jar } = cookieClient(base);
  return { base, client, jar };
}

/** A top-level navigation to `url` with the browser's cookies; redirects are not followed. */
export async function visit(b, url) {
  const headers = b.jar.cookies.size ? { cookie: b.jar.header() } : {};
  const res = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(30_000) });
  const setCookies = res.headers.getSetCookie();
  b.jar.absorb(setCookies);
  const body = await res.text();
  return { status: res.status, location: res.headers.get("location"), setCookies, body };
}
