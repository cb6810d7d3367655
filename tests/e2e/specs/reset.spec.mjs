// A reader who forgot the password (main Lectern, mail to an outbox directory): asks for a
// link from the sign-in form, opens the mailed link, lands back on the page with the panel
// open on "Choose a new password", sets it, and is signed in with it. The used link then says so.
import { test, expect, server, widget, openWidget, freshEmail, mailedLink, PASSWORD } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const OUTBOX = server("E2E_MAIN_OUTBOX");
const NEW_PASSWORD = "a new remembered password";

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
  const link = await mailedLink(OUTBOX, email);
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
  await expect(w.questionnaire, "signed in with it: the questionnaire comes first").toBeVisible();
  await expect(page, "the token leaves the address bar").toHaveURL(`${MAIN}/`);
  await shot("signed in with the new password");
  const signIn = (password) => page.request.post(MAIN + "/api/auth/sign-in/email", { data: { email, password }, headers: { origin: MAIN } });
  expect((await signIn(PASSWORD)).status(), "the old password no longer works").toBe(401);
  expect((await signIn(NEW_PASSWORD)).status()).toBe(200);

  // The link works once.
  await page.goto(link);
  await expect(w.dialog.getByText("This link has expired or was already used. Ask for a new one.")).toBeVisible();
  await expect(w.dialog.getByRole("form", { name: "Reset your password" })).toBeVisible();
  await shot("used link");
});
