// Who a login name is, for both stand-ins (the OIDC provider and the GitHub one) and for the
// tests that check what a relying party made of it. Scripted, no user database: whatever
// name is typed at the login form is an account.
//
//   email           the login itself when it contains "@", else none
//   email_verified  false when the login starts with "unverified", else true
//   private email   GitHub only: /user has email null when the login starts with "private"
//                   (the address is then only in /user/emails)
//   name            the part before "@", split on . _ - +, each word capitalised:
//                   "ann.lee@example.test" -> "Ann Lee"
//   GitHub id       a stable number derived from the login (GitHub's ids are numbers)
import { createHash } from "node:crypto";

export function profileFor(login) {
  const email = login.includes("@") ? login : null;
  const local = login.split("@")[0];
  const name = local
    .split(/[._+-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ") || login;
  return {
    login,
    email,
    emailVerified: !login.startsWith("unverified"),
    privateEmail: login.startsWith("private"),
    name,
    githubId: Number.parseInt(createHash("sha256").update(login).digest("hex").slice(0, 12), 16),
  };
}

/** The picture URL both stand-ins give for a login, under the IdP's own origin. */
export function avatarUrl(idpOrigin, login) {
  return `${idpOrigin}/avatars/${encodeURIComponent(login)}.png`;
}
