// A reader who forgot the password (main Lectern, mail to an outbox directory): asks for a
// link from the sign-in form, opens the mailed link, lands back on the page with the panel
// open on "Choose a new password", sets it, and signs in with it. The used link then says so.
import fs from "node:fs";
import path from "node:path";
import { test, expect, server, widget, openWidget, signIn, freshEmail, PASSWORD } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const OUTBOX = server("E2E_MAIN_OUTBOX");
const NEW_PASSWORD = "a new remembered password";

/** The reset link mailed to `email` (sent after the answer: polled by expect, bounded). */
async function mailedLink(email) {
  let link = null;
  await expect
    .poll(() => {
      for (const f of fs.readdirSync(OUTBOX)) {
        const mail = fs.readFileSync(path.join(OUTBOX, f), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
        if (mail.includes(`To: ${email}`)) link = mail.match(/https?:\/\/\S+\/api\/auth\/reset-password\/\S+/)?.[0] ?? null;
      }
      return link;
    }, { message: `a reset mail to ${email}`, timeout: 10_000 })
    .not.toBeNull();
  return link;
}

test("a reader resets a forgotten password from the widget, by mail", async ({ page, shot }, testInfo) => {
  const email = freshEmail("forgot", testInfo);
  const made = await page.request.post(MAIN + "/api/auth/sign-up/email", {
    data: { name: "Forgetful Reader", email, password: PASSWORD },
    headers: { origin: MAIN },
  });
  expect(made.status()).toBe(200);
  await page.context().clearCookies();

  await page.goto(MAIN + "/");
  const w = widget(page);
  await openWidget(w);
  await w.email.fill(email);
  await w.dialog.getByRole("button", { name: "Forgot your password?" }).click();
  const ask = w.dialog.getByRole("form", { name: "Reset your password" });
  await expect(ask).toBeVisible();
  await expect(ask.getByRole("textbox", { name: "Email" }), "the address typed is kept").toHaveValue(email);
  await shot("forgot password");
  await ask.getByRole("button", { name: "Send the link" }).click();
  await expect(w.dialog.getByRole("status").filter({ hasText: "a link to choose a new password is on its way" })).toBeVisible();
  await shot("reset link sent");

  // The mail's link, opened in the same browser: back on this page, the panel open.
  const link = await mailedLink(email);
  await page.goto(link);
  await expect(page).toHaveURL(new RegExp(`^${MAIN}/\\?token=[A-Za-z0-9]+#lectern-reset$`));
  const choose = w.dialog.getByRole("form", { name: "Choose a new password" });
  await expect(choose).toBeVisible();
  await shot("choose a new password");
  await choose.getByLabel("New password").fill("short");
  await choose.getByRole("button", { name: "Save the new password" }).click();
  await expect(choose.getByText("Use at least 8 characters.")).toBeVisible();
  await choose.getByLabel("New password").fill(NEW_PASSWORD);
  await choose.getByRole("button", { name: "Save the new password" }).click();
  await expect(w.dialog.getByText("Your password is changed. Sign in with the new one.")).toBeVisible();
  await expect(page, "the token leaves the address bar").toHaveURL(`${MAIN}/`);
  await shot("password changed");

  await signIn(w, { email, password: PASSWORD });
  await expect(w.dialog.getByText("Wrong email or password.")).toBeVisible();
  await signIn(w, { email, password: NEW_PASSWORD });
  await expect(w.questionnaire, "signed in: the questionnaire comes first").toBeVisible();
  await shot("signed in with the new password");

  // The link works once.
  await page.goto(link);
  await expect(w.dialog.getByText("This link has expired or was already used. Ask for a new one.")).toBeVisible();
  await expect(w.dialog.getByRole("form", { name: "Reset your password" })).toBeVisible();
  await shot("used link");
});
