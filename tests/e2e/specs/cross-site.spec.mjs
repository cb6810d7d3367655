// The book and Lectern on different sites, as with GitHub Pages and a hosted server: the
// Docusaurus site is opened as http://book.test:<port> (Chromium resolves book.test to
// loopback), its widget talks to Lectern at http://127.0.0.1:<port>, and Chromium blocks
// third-party cookies. The widget sees the sites differ and works by bearer token: a guest
// chats, signs up keeping the chat, answers the questionnaire, reloads still signed in with
// the history, and signs out; resets a forgotten password through the mailed link and lands
// back on the book signed in; comes back from a link with a one-time token signed in. With
// bearer mode forced off, the same setup fails as docs/docusaurus.md describes.
import {
  test, expect, server, widget, openWidget, ask, freshEmail, fillQuestionnaire, profileSchema,
  PASSWORD, chatReady, mailedLink, crossSiteBrowser,
} from "../lib/fixtures.mjs";

const LECTERN = server("E2E_BOOK_LECTERN_URL");
const SITE = (() => {
  const u = new URL(server("E2E_SITE_URL"));
  u.hostname = "book.test";
  return u.origin;
})();
const OUTBOX = server("E2E_BOOK_OUTBOX");
const TOKEN = `lectern:${LECTERN}:token`;
const QUESTION = "How does a sea star eat a mussel?";

test.use(crossSiteBrowser);

const stored = (page) => page.evaluate((key) => localStorage.getItem(key), TOKEN);

test("across sites, a guest chats, signs up keeping the chat, reloads signed in, signs out", async ({ page, context, shot }, testInfo) => {
  await page.goto(SITE + "/docs/intro");
  const w = widget(page);
  await openWidget(w);
  await w.guestButton.click();
  await chatReady(w);
  await expect(w.guestNote).toBeVisible();
  expect(await stored(page), "the guest's session token is kept for Lectern's origin").toBeTruthy();

  const sources = await ask(w, QUESTION);
  await expect(sources.first()).toHaveAttribute("href", /\/docs\/sea-stars#how-sea-stars-eat/);
  await shot("cross-site guest answer");
  expect(await context.cookies(LECTERN), "no cookie is used across sites").toEqual([]);
  const guestToken = await stored(page);

  await w.upgrade.click();
  await w.name.fill("Cross Site");
  await w.email.fill(freshEmail("cross-site", testInfo));
  await w.password.fill(PASSWORD);
  await w.createButton.click();
  await expect(w.question.or(w.questionnaire)).toBeVisible();
  if (await w.questionnaire.isVisible()) {
    await fillQuestionnaire(w, await profileSchema(page.request, LECTERN));
    await shot("cross-site questionnaire");
    await w.saveProfile.click();
  }
  await expect(w.question).toBeVisible();
  await expect(w.guestNote).toHaveCount(0);
  const accountToken = await stored(page);
  expect(accountToken, "sign-up replaced the guest's token").not.toBe(guestToken);

  // The token, not a cookie, is the session: the server knows the reader by it.
  const session = await (await page.request.get(LECTERN + "/api/auth/get-session", {
    headers: { authorization: `Bearer ${accountToken}` },
  })).json();
  expect(session.user.isAnonymous ?? false).toBe(false);

  await page.reload();
  const again = widget(page);
  await openWidget(again);
  await expect(again.question, "still signed in after a reload").toBeVisible();
  await again.history.click();
  const past = again.dialog.getByRole("button", { name: QUESTION, exact: true });
  await expect(past, "the guest's conversation moved to the account").toBeVisible();
  await shot("cross-site history after reload");
  await past.click();
  await expect(again.log.getByText(QUESTION, { exact: true })).toBeVisible();

  await again.signOut.click();
  await expect(again.guestButton).toBeVisible();
  expect(await stored(page), "signing out forgets the token").toBeNull();
  const ended = await page.request.get(LECTERN + "/api/auth/get-session", {
    headers: { authorization: `Bearer ${accountToken}` },
  });
  expect(await ended.json(), "and ends the session on the server").toBeNull();
  await shot("cross-site signed out");
});

/** A reader made through the API, as from another device (its cookie not kept in this
 * browser); returns the bearer token. */
async function reader(page, email) {
  const res = await page.request.post(LECTERN + "/api/auth/sign-up/email", {
    data: { name: "Returning Reader", email, password: PASSWORD },
    headers: { origin: SITE },
  });
  expect(res.status()).toBe(200);
  await page.context().clearCookies();
  return res.headers()["set-auth-token"];
}

test("across sites, a forgotten password is reset by mail and the reader lands back signed in", async ({ page, context, shot }, testInfo) => {
  const email = freshEmail("cross-site-reset", testInfo);
  await reader(page, email);
  await page.goto(SITE + "/docs/intro");
  const w = widget(page);
  await openWidget(w);
  await w.email.fill(email);
  await w.dialog.getByRole("button", { name: "Forgot your password?" }).click();
  await w.dialog.getByRole("button", { name: "Send the link" }).click();
  await expect(w.dialog.getByRole("status").filter({ hasText: "is on its way" })).toBeVisible();

  const link = await mailedLink(OUTBOX, email);
  await page.goto(link);
  await expect(page).toHaveURL(new RegExp(`^${SITE}/docs/intro\\?token=[A-Za-z0-9]+#lectern-reset$`));
  const choose = w.dialog.getByRole("form", { name: "Choose a new password" });
  await choose.getByLabel("New password").fill("a password for both sites");
  await choose.getByRole("button", { name: "Save the new password" }).click();
  await expect(w.questionnaire.or(w.question), "back on the book, signed in").toBeVisible();
  await expect(page).toHaveURL(`${SITE}/docs/intro`);
  expect(await stored(page)).toBeTruthy();
  expect(await context.cookies(LECTERN)).toEqual([]);
  await shot("cross-site signed in after reset");
});

test("across sites, a link back with a one-time token signs the reader in", async ({ page, shot }, testInfo) => {
  const bearer = await reader(page, freshEmail("cross-site-ott", testInfo));
  const made = await page.request.get(LECTERN + "/api/auth/one-time-token/generate", {
    headers: { authorization: `Bearer ${bearer}` },
  });
  const { token } = await made.json();
  await page.goto(`${SITE}/docs/intro?ott=${token}`);
  const w = widget(page);
  await expect(w.questionnaire.or(w.question), "the panel opens, signed in").toBeVisible();
  await expect(page, "the token leaves the address bar").toHaveURL(`${SITE}/docs/intro`);
  expect(await stored(page)).toBeTruthy();
  await shot("cross-site signed in by a one-time token");

  const spent = await page.request.post(LECTERN + "/api/auth/one-time-token/verify", {
    data: { token }, headers: { origin: SITE },
  });
  expect(spent.status(), "the token worked once").toBe(400);
});

test("across sites with bearer mode forced off, the guest is signed out at once", async ({ page }) => {
  // The site's own script tag, given data-auth="cookie" as the parser inserts it (the widget
  // is deferred, so it reads the attribute after this).
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const tag = document.querySelector("script[data-lectern]");
      if (tag && !tag.dataset.auth) tag.dataset.auth = "cookie";
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(SITE + "/docs/intro");
  await expect(page.locator('script[data-auth="cookie"]')).toHaveCount(1);
  const w = widget(page);
  await openWidget(w);
  const me = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/me");
  const guest = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/sign-in/anonymous");
  await w.guestButton.click();
  expect((await guest).status(), "signing in seems to work").toBe(200);
  expect((await me).status(), "and the next request is signed out").toBe(401);
  await expect(w.signInButton, "the panel is back at sign-in").toBeVisible();
  await expect(w.question).toHaveCount(0);
});
