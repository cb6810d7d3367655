// A forgotten password, reset by mail, with the official client: on Lectern sending real
// SMTP (to an aiosmtpd Maildir) and on the Better Auth peer configured with
// `sendResetPassword` (writing each mail as a JSON line). Both must pass the same assertions.
//
//   MAIL_TARGETS="lectern=http://…|maildir:/dir,peer=http://…|jsonl:/file" node --test password-reset.test.mjs
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cookieClient } from "./lib/clients.mjs";
import { requireEnv, uniqueEmail } from "./lib/env.mjs";

const PW = "forgotten password 1", PW2 = "remembered password 2";

const targets = requireEnv("MAIL_TARGETS", "name=url|maildir:DIR or name=url|jsonl:FILE, comma-separated")
  .split(",")
  .map((entry) => {
    const [name, rest] = entry.split(/=(.*)/s);
    const [base, mailbox] = rest.split("|");
    const [kind, where] = mailbox.split(/:(.*)/s);
    return { name, base, kind, where };
  });

/** Quoted-printable soft breaks and `=3D` undone: enough for a plain-text link. */
const unfold = (text) => text.replace(/=\r?\n/g, "").replace(/=3D/g, "=");

/** Every mail so far, as { to, link }. */
function mails({ kind, where }) {
  if (kind === "jsonl") {
    if (!fs.existsSync(where)) return [];
    return fs.readFileSync(where, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)).map((m) => ({ to: m.to, link: m.url }));
  }
  const dir = path.join(where, "new");
  return fs.readdirSync(dir).map((f) => {
    const raw = unfold(fs.readFileSync(path.join(dir, f), "utf8"));
    return { to: raw.match(/^To: (.*)$/m)?.[1]?.trim(), link: raw.match(/https?:\/\/\S+\/reset-password\/\S+/)?.[0] };
  });
}

/** The reset link mailed to `email`; mail is sent after the answer, so poll (bounded, 5 s). */
async function linkFor(target, email) {
  for (let i = 0; i < 100; i++) {
    const mail = mails(target).find((m) => m.to === email);
    if (mail) return mail.link;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${target.name}: no reset mail to ${email} after 5 s`);
}

for (const target of targets) {
  describe(`password reset by mail on ${target.name} (${target.base})`, () => {
    it("mails a link that leads to the site's reset page, sets the new password once", async () => {
      const email = uniqueEmail("reset");
      const tab = cookieClient(target.base);
      assert.equal((await tab.client.signUp.email({ name: "Forgetful", email, password: PW })).error, null);

      const stranger = cookieClient(target.base);
      const asked = await stranger.client.requestPasswordReset({ email, redirectTo: "/reset" });
      assert.equal(asked.error, null, JSON.stringify(asked.error));
      const unknown = await stranger.client.requestPasswordReset({ email: uniqueEmail("nobody"), redirectTo: "/reset" });
      assert.deepEqual(unknown.data, asked.data, "the answer does not tell whether the account exists");

      const link = await linkFor(target, email);
      assert.ok(link.startsWith(`${target.base}/api/auth/reset-password/`), link);
      assert.ok(link.endsWith("?callbackURL=%2Freset"), link);
      const hop = await fetch(link, { redirect: "manual" });
      assert.equal(hop.status, 302);
      const landing = new URL(hop.headers.get("location"));
      assert.equal(`${landing.origin}${landing.pathname}`, `${target.base}/reset`);
      const token = landing.searchParams.get("token");
      assert.ok(token, `the reset page gets the token: ${landing}`);

      const done = await stranger.client.resetPassword({ newPassword: PW2, token });
      assert.deepEqual(done.data, { status: true }, JSON.stringify(done.error));
      const again = await stranger.client.resetPassword({ newPassword: "yet another one 3", token });
      assert.equal(again.error?.code, "INVALID_TOKEN", "a token works once");

      const old = await cookieClient(target.base).client.signIn.email({ email, password: PW });
      assert.equal(old.error?.status, 401);
      const fresh = await cookieClient(target.base).client.signIn.email({ email, password: PW2 });
      assert.equal(fresh.error, null, JSON.stringify(fresh.error));
      const used = await fetch(link, { redirect: "manual" });
      assert.equal(new URL(used.headers.get("location")).searchParams.get("error"), "INVALID_TOKEN");
    });
  });
}
