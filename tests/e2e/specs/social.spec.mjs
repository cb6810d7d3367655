// Social sign-in through the widget, in a real browser, at the loopback identity provider
// tests/idp (run.sh starts it; main and book offer "Campus SSO", an OpenID Connect provider
// found by discovery, and GitHub's stand-in). The reader types a login into the provider's own
// page; the provider sends the browser back to the page it left.
//
//   same site    a guest chats, signs in with Campus SSO as a new reader, is back on the same
//                page (path and query) with the panel open, answers the questionnaire and
//                finds the guest's conversation open and in the history
//   across sites the book on book.test, Lectern elsewhere: the same click goes through
//                Lectern's first-party continue page and returns with ?ott=, which the widget
//                trades for its bearer token (no cookie on its API calls) and takes out of
//                the address bar; the guest's chat is kept
//   failure      an email/password account holds the address: back on the page with the
//                widget's message about the existing account, still signed out; a Deny at
//                GitHub's page says the sign-in was cancelled
import {
  test, expect, server, widget, openWidget, ask, freshEmail, fillQuestionnaire, profileSchema,
  PASSWORD, chatReady, guestChat, signIn, crossSiteBrowser,
} from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const IDP = server("E2E_IDP_URL");
const BOOK = server("E2E_BOOK_LECTERN_URL");
const SITE = (() => {
  const u = new URL(server("E2E_SITE_URL"));
  u.hostname = "book.test";
  return u.origin;
})();
const QUESTION = "What is URDF used for?";
const SEA_QUESTION = "How does a sea star eat a mussel?";
const NOT_LINKED = "An account with this email already exists here. Sign in with your password.";
const CANCELLED = "Signing in was cancelled.";

// For the whole file: the same-site flows must not need third-party cookies either.
test.use(crossSiteBrowser);

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A provider's button in the sign-in view (the widget's contract: data-provider, "Continue
 * with <name>"), checked visible, enabled and above the email form; returns it. */
async function expectProviderButton(w, id, name) {
  const button = w.dialog.locator(`button[data-provider="${id}"]`);
  await expect(button, `the ${name} button`).toBeVisible();
  await expect(button).toHaveText(`Continue with ${name}`);
  await expect(button).toBeEnabled();
  // Above the email form, under a divider that says so.
  await expect(w.dialog.getByText("or with your email", { exact: true })).toBeVisible();
  const [buttonTop, tabsTop] = await Promise.all([
    button.evaluate((e) => e.getBoundingClientRect().top),
    w.signInTab.evaluate((e) => e.getBoundingClientRect().top),
  ]);
  expect(buttonTop, "the provider button is above the email form's tabs").toBeLessThan(tabsTop);
  return button;
}

/** The widget's POST /api/auth/sign-in/social (its answer), and where the page goes next
 * (Lectern's answer is the URL to go to; its body is gone once the page has left, so the
 * destination is read from the navigation itself). */
function socialStart(page) {
  return {
    response: page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/auth/sign-in/social"),
    leaves: page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === page.mainFrame()),
  };
}

/**
 * At the provider's login page (either half of tests/idp): types `login` into its form and
 * presses Sign in (or Deny), as a person would.
 */
async function loginAtProvider(page, login, { half, shot, deny = false }) {
  const at = half === "oidc" ? new RegExp(`^${esc(IDP)}/oidc/interaction/[^/?#]+$`) : new RegExp(`^${esc(IDP)}/github/login/oauth/authorize\\?`);
  await expect(page, `the browser is at the provider's ${half} login page`).toHaveURL(at);
  const form = page.locator("form#login-form");
  await expect(form.locator('input[name="login"]')).toBeVisible();
  await form.locator('input[name="login"]').fill(login);
  if (shot) await shot(`provider login page (${half})`);
  await form.locator(`button[name="action"][value="${deny ? "deny" : "login"}"]`).click();
}

/** Every URL the page's main frame commits (history.replaceState included). */
function committed(page) {
  const urls = [];
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) urls.push(f.url());
  });
  return urls;
}

test("same site: a guest signs in with Campus SSO, answers the questionnaire and keeps the conversation", async ({ page, shot }, testInfo) => {
  const email = freshEmail("social", testInfo);
  const here = MAIN + "/?chapter=urdf";
  const w = await guestChat(page, here);
  const guest = await (await page.request.get(MAIN + "/api/auth/get-session")).json();
  expect(guest.user.isAnonymous).toBe(true);
  await ask(w, QUESTION);

  // The account view: the provider buttons the server offers, above the email form.
  const offered = await (await page.request.get(MAIN + "/api/auth/social-providers")).json();
  expect(offered.providers).toEqual(expect.arrayContaining([{ id: "campus", name: "Campus SSO" }, { id: "github", name: "GitHub" }]));
  await w.upgrade.click();
  await expect(w.createTab).toHaveAttribute("aria-selected", "true");
  const campus = await expectProviderButton(w, "campus", "Campus SSO");
  await expectProviderButton(w, "github", "GitHub");
  await shot("sign-in view with provider buttons");

  const urls = committed(page);
  const started = socialStart(page);
  await campus.click();
  const start = await started.response;
  expect(start.status(), "sign-in/social").toBe(200);
  const body = start.request().postDataJSON();
  expect(body, "the widget's request: back to this very page, no redirect from the server").toEqual({
    provider: "campus", callbackURL: here, errorCallbackURL: here, disableRedirect: true,
  });
  expect((await started.leaves).url(), "same site: straight to the provider").toMatch(new RegExp(`^${esc(IDP)}/oidc/auth\\?`));

  await loginAtProvider(page, email, { half: "oidc", shot });

  // Back on the same page (path and query), the panel open by itself: a new reader is asked
  // the questionnaire first.
  await expect(page).toHaveURL(here);
  await expect(w.dialog, "the panel opens by itself").toBeVisible();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "true");
  await expect(w.questionnaire, "a new account sees the questionnaire").toBeVisible();
  await shot("back from the provider: questionnaire");
  expect(urls.filter((u) => u.startsWith(IDP)).length, "the reader was at the provider's page").toBeGreaterThan(0);

  const session = await (await page.request.get(MAIN + "/api/auth/get-session")).json();
  expect(session?.user?.email, "signed in as the provider's reader").toBe(email);
  expect(session.user.emailVerified, "the provider vouched for the address").toBe(true);
  expect(session.user.isAnonymous ?? false).toBe(false);
  expect(session.user.id, "an account, not the guest").not.toBe(guest.user.id);

  await fillQuestionnaire(w, await profileSchema(page.request, MAIN));
  await w.saveProfile.click();
  await expect(w.question).toBeVisible();
  await expect(w.guestNote).toHaveCount(0);
  // The guest's conversation is open, and in the account's history.
  await expect(w.log.getByText(QUESTION, { exact: true }), "the guest's conversation is open").toBeVisible();
  await expect(w.helpful).toHaveCount(1);
  await w.history.click();
  await expect(w.dialog.getByRole("button", { name: QUESTION, exact: true }), "and listed").toBeVisible();
  await shot("signed in with the guest's conversation");
  const chats = await (await page.request.get(MAIN + "/api/chats")).json();
  expect((chats.chats ?? chats.items ?? chats).map((c) => c.title)).toContain(QUESTION);
});

test.describe("across sites", () => {
  const TOKEN = `lectern:${BOOK}:token`;
  const stored = (page) => page.evaluate((key) => localStorage.getItem(key), TOKEN);

  test("across sites: Campus SSO signs the reader in by a one-time token, in bearer mode", async ({ page, shot }, testInfo) => {
    const email = freshEmail("social-cross", testInfo);
    const here = SITE + "/docs/intro";
    // Every API call of the widget to Lectern, with the headers the browser really sent.
    const calls = [];
    page.on("requestfinished", (r) => {
      const u = new URL(r.url());
      if (u.origin === BOOK && u.pathname.startsWith("/api/") && ["fetch", "xhr"].includes(r.resourceType())) {
        calls.push(r.allHeaders().then((headers) => ({ path: u.pathname, headers })));
      }
    });
    await page.goto(here);
    const w = widget(page);
    await openWidget(w);
    await w.guestButton.click();
    await chatReady(w);
    const guestToken = await stored(page);
    expect(guestToken, "a guest in bearer mode").toBeTruthy();
    await ask(w, SEA_QUESTION);

    await w.upgrade.click();
    const campus = await expectProviderButton(w, "campus", "Campus SSO");
    await shot("cross-site sign-in view with provider buttons");
    const urls = committed(page);
    const started = socialStart(page);
    await campus.click();
    const start = await started.response;
    expect(start.status()).toBe(200);
    expect(start.request().postDataJSON(), "bearer mode asks for a one-time token back").toEqual({
      provider: "campus", callbackURL: here, errorCallbackURL: here, disableRedirect: true,
      additionalData: { lecternOneTimeToken: true },
    });
    expect((await start.request().allHeaders()).authorization, "the guest's token goes along (its chats follow)").toBe(`Bearer ${guestToken}`);
    expect((await started.leaves).url(), "through Lectern's first-party page").toMatch(
      new RegExp(`^${esc(BOOK)}/api/auth/sign-in/social/continue\\?state=[^&]+$`),
    );

    await loginAtProvider(page, email, { half: "oidc" });

    await expect(page, "back on the book, the token out of the address bar").toHaveURL(here);
    await expect(w.dialog, "the panel opens by itself").toBeVisible();
    await expect(w.questionnaire, "signed in: a new account sees the questionnaire").toBeVisible();
    await shot("cross-site back from the provider: questionnaire");
    expect(urls.some((u) => u.startsWith(`${here}?ott=`)), `the provider's way back carried ?ott= (${urls.join(" ")})`).toBe(true);
    expect(new URL(page.url()).searchParams.has("ott")).toBe(false);

    const token = await stored(page);
    expect(token, "the widget holds a bearer token").toBeTruthy();
    expect(token, "the account's, not the guest's").not.toBe(guestToken);
    const session = await (await page.request.get(BOOK + "/api/auth/get-session", {
      headers: { authorization: `Bearer ${token}` },
    })).json();
    expect(session?.user?.email).toBe(email);
    expect(session.user.isAnonymous ?? false).toBe(false);

    await fillQuestionnaire(w, await profileSchema(page.request, BOOK));
    await w.saveProfile.click();
    await expect(w.question).toBeVisible();
    await expect(w.log.getByText(SEA_QUESTION, { exact: true }), "the guest's conversation came along").toBeVisible();
    await w.history.click();
    await expect(w.dialog.getByRole("button", { name: SEA_QUESTION, exact: true })).toBeVisible();
    await shot("cross-site signed in with the guest's conversation");

    // Bearer mode throughout: whatever Lectern set on its own origin during the flow, no API
    // call of the widget carried a cookie, and the ones after the return carried the token.
    const seen = await Promise.all(calls);
    expect(seen.map((c) => c.path)).toContain("/api/auth/one-time-token/verify");
    expect(seen.filter((c) => "cookie" in c.headers).map((c) => c.path), "API calls with a cookie").toEqual([]);
    const after = seen.slice(seen.findIndex((c) => c.path === "/api/auth/one-time-token/verify") + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((c) => c.headers.authorization !== `Bearer ${token}`).map((c) => c.path), "calls without the account's token").toEqual([]);

    // Signing out ends the session everywhere, the copy on Lectern's own origin included.
    await w.signOut.click();
    await expect(w.guestButton).toBeVisible();
    expect(await stored(page)).toBeNull();
    const ended = await page.request.get(BOOK + "/api/auth/get-session", { headers: { authorization: `Bearer ${token}` } });
    expect(await ended.json()).toBeNull();
    const firstParty = await page.request.get(BOOK + "/api/auth/get-session"); // the context's cookies for Lectern
    expect(await firstParty.json(), "no session left behind in a cookie on Lectern's origin").toBeNull();
  });
});

test("failure: the address belongs to an email/password account; the widget says so and the reader stays signed out", async ({ page, shot }, testInfo) => {
  const email = freshEmail("social-taken", testInfo);
  const made = await page.request.post(MAIN + "/api/auth/sign-up/email", {
    data: { name: "Password Reader", email, password: PASSWORD },
    headers: { origin: MAIN },
  });
  expect(made.status()).toBe(200);
  await page.context().clearCookies(); // made as from another browser: start signed out

  await page.goto(MAIN + "/");
  const w = widget(page);
  await openWidget(w);
  const campus = await expectProviderButton(w, "campus", "Campus SSO");
  await shot("signed-out sign-in view with provider buttons");
  const urls = committed(page);
  await campus.click();
  await loginAtProvider(page, email, { half: "oidc" });

  await expect(w.dialog, "back on the page, the panel open").toBeVisible();
  await expect(w.dialog.getByText(NOT_LINKED, { exact: true })).toBeVisible();
  await expect(w.signInTab, "on the sign-in view").toHaveAttribute("aria-selected", "true");
  await expect(page, "the error leaves the address bar").toHaveURL(MAIN + "/");
  expect(urls.some((u) => /[?&]error=account_not_linked(&|$)/.test(u)), `the way back said account_not_linked (${urls.join(" ")})`).toBe(true);
  await shot("account exists message");
  expect(await (await page.request.get(MAIN + "/api/auth/get-session")).json(), "not signed in").toBeNull();
  await expect(w.question).toHaveCount(0);

  // The advice works: the password signs in from the same view.
  await signIn(w, { email });
  await expect(w.questionnaire.or(w.question)).toBeVisible();
  const session = await (await page.request.get(MAIN + "/api/auth/get-session")).json();
  expect(session?.user?.email).toBe(email);
  expect(session.user.name, "the password account, not one made from the provider's profile").toBe("Password Reader");
});

test("failure: Deny at GitHub's page comes back as a cancelled sign-in", async ({ page, shot }, testInfo) => {
  await page.goto(MAIN + "/");
  const w = widget(page);
  await openWidget(w);
  const github = await expectProviderButton(w, "github", "GitHub");
  await github.click();
  await loginAtProvider(page, freshEmail("social-deny", testInfo), { half: "github", shot, deny: true });
  await expect(w.dialog.getByText(CANCELLED, { exact: true })).toBeVisible();
  await expect(page).toHaveURL(MAIN + "/");
  await expect(w.signInTab).toHaveAttribute("aria-selected", "true");
  await expect(await expectProviderButton(w, "github", "GitHub"), "the button works again").toBeEnabled();
  expect(await (await page.request.get(MAIN + "/api/auth/get-session")).json()).toBeNull();
  await shot("cancelled message");
});
