// Readable errors on the sign-in forms (main Lectern, rate limits off): a duplicate e-mail, a
// wrong password and a too-short password each say so next to the field they are about
// (the field is aria-invalid and described by the message), and the reader stays signed out.
import { test, expect, server, widget, openWidget, createAccount, signIn, freshEmail, PASSWORD } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");

test("duplicate e-mail, wrong password and a short password show readable field errors", async ({ page, shot }, testInfo) => {
  const email = freshEmail("taken", testInfo);
  // An existing account, made through the API as another browser would have.
  const made = await page.request.post(MAIN + "/api/auth/sign-up/email", {
    data: { name: "Existing Reader", email, password: PASSWORD },
    headers: { origin: MAIN },
  });
  expect(made.status()).toBe(200);
  await page.context().clearCookies(); // that sign-up signed this context in; start signed out

  await page.goto(MAIN + "/");
  const w = widget(page);
  await openWidget(w);

  // Duplicate e-mail.
  await createAccount(w, { name: "Someone Else", email });
  await expect(w.dialog.getByText(/An account with this email already exists/)).toBeVisible();
  await expect(w.email).toHaveAttribute("aria-invalid", "true");
  await expect(w.email).toHaveAccessibleDescription(/already exists/);
  await expect(w.dialog.getByRole("button", { name: "Sign in instead?" })).toBeVisible();
  await shot("duplicate email");

  // The offered way out leads to the sign-in tab; there, a wrong password.
  await w.dialog.getByRole("button", { name: "Sign in instead?" }).click();
  await expect(w.signInTab).toHaveAttribute("aria-selected", "true");
  await signIn(w, { email, password: "not the password" });
  await expect(w.dialog.getByText("Wrong email or password.")).toBeVisible();
  await expect(w.password).toHaveAttribute("aria-invalid", "true");
  await expect(w.password).toHaveAccessibleDescription("Wrong email or password.");
  await shot("wrong password");

  // A too-short password on sign-up.
  await createAccount(w, { name: "Short Password", email: freshEmail("short", testInfo), password: "abc" });
  await expect(w.dialog.getByText("Use at least 8 characters.", { exact: true }).last()).toBeVisible();
  await expect(w.password).toHaveAttribute("aria-invalid", "true");
  await expect(w.password).toHaveAccessibleDescription(/at least 8 characters/);
  await shot("short password");

  // None of that signed anyone in.
  expect(await (await page.request.get(MAIN + "/api/auth/get-session")).json()).toBeNull();
  await expect(w.question).toHaveCount(0);

  // And the right password works, from the same form.
  await signIn(w, { email });
  await expect(w.questionnaire).toBeVisible();
  await shot("signed in after errors");
});
