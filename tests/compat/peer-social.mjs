// Social sign-in for the reference peer (Better Auth 1.7), imported by the copy of its
// server.mjs that run.sh patches for social.test.mjs (peer_social). Not used by Lectern.
//
//   SOCIAL_IDP_URL                            the test IdP (tests/idp/server.mjs)
//   PEER_GITHUB_CLIENT_ID/_SECRET             its GitHub stand-in's client
//   PEER_GOOGLE_CLIENT_ID/_SECRET             its OIDC provider, standing in for Google
//   PEER_CAMPUS_CLIENT_ID/_SECRET             its OIDC provider, as the generic provider "campus"
//
// Better Auth hardcodes GitHub's and Google's hosts, so the one test-only difference is here:
// the server-side fetches to those hosts go to the IdP instead (the authorize URL the browser
// is sent to is rewritten the same way by the test). "campus" needs no rewrite: it is
// configured by discovery like any OIDC provider.
const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`peer-social: ${name} is not set (run tests/compat/run.sh)`);
  return v;
};
const IDP = need("SOCIAL_IDP_URL").replace(/\/$/, "");

/** Real provider URL prefix -> the IdP's; the test's rewriteAuthorizeUrl mirrors the first two. */
export const REWRITES = [
  ["https://github.com/login/oauth/", `${IDP}/github/login/oauth/`],
  ["https://accounts.google.com/o/oauth2/v2/auth", `${IDP}/oidc/auth`],
  ["https://api.github.com/", `${IDP}/github/api/`],
  ["https://oauth2.googleapis.com/token", `${IDP}/oidc/token`],
  ["https://www.googleapis.com/oauth2/v3/certs", `${IDP}/oidc/jwks`],
];
const rewrite = (url) => {
  for (const [from, to] of REWRITES) if (url.startsWith(from)) return to + url.slice(from.length);
  return url;
};

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  if (typeof input === "string" || input instanceof URL) return realFetch(rewrite(String(input)), init);
  if (input instanceof Request) {
    const to = rewrite(input.url);
    return realFetch(to === input.url ? input : new Request(to, input), init);
  }
  return realFetch(input, init);
};

export const socialProviders = {
  github: { clientId: need("PEER_GITHUB_CLIENT_ID"), clientSecret: need("PEER_GITHUB_CLIENT_SECRET") },
  google: { clientId: need("PEER_GOOGLE_CLIENT_ID"), clientSecret: need("PEER_GOOGLE_CLIENT_SECRET") },
};

export const campus = {
  providerId: "campus",
  discoveryUrl: `${IDP}/oidc/.well-known/openid-configuration`,
  clientId: need("PEER_CAMPUS_CLIENT_ID"),
  clientSecret: need("PEER_CAMPUS_CLIENT_SECRET"),
  scopes: ["openid", "email", "profile"],
};
