// The account lifecycle for the reference peer (Better Auth 1.7), imported by the copies of its
// server.mjs that run.sh patches for lifecycle.test.mjs (peer_verify, peer_required). Not used
// by Lectern, whose LECTERN_EMAIL_VERIFICATION and LECTERN_DELETE_USER=mail stand for these
// options.
//
//   PEER_OUTBOX            a file: every mail the peer would send, as one JSON line
//                          {kind, to, url, token} (kind: verify, change or delete)
//   PEER_LIFECYCLE_MODE    optional  ≙ LECTERN_EMAIL_VERIFICATION=optional
//                          required  ≙ LECTERN_EMAIL_VERIFICATION=required
//                          (both ≙ LECTERN_DELETE_USER=mail)
import { appendFileSync } from "node:fs";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`peer-lifecycle: ${name} is not set (run tests/compat/run.sh)`);
  return v;
};
const OUTBOX = need("PEER_OUTBOX");
const MODE = need("PEER_LIFECYCLE_MODE");
if (MODE !== "optional" && MODE !== "required") {
  throw new Error(`peer-lifecycle: PEER_LIFECYCLE_MODE must be optional or required, not ${MODE}`);
}
const required = MODE === "required";

const mail = (kind) => async ({ user, url, token }) => {
  appendFileSync(OUTBOX, `${JSON.stringify({ kind, to: user.email, url, token })}\n`);
};

export const lifecycle = {
  /** emailAndPassword.requireEmailVerification */
  requireEmailVerification: required,
  emailVerification: {
    sendVerificationEmail: mail("verify"),
    sendOnSignUp: true,
    sendOnSignIn: required,
    autoSignInAfterVerification: true,
  },
  /** Merged into the peer's `user` options (next to its additionalFields). */
  user: {
    changeEmail: { enabled: true, sendChangeEmailConfirmation: mail("change") },
    deleteUser: { enabled: true, sendDeleteAccountVerification: mail("delete") },
  },
};
