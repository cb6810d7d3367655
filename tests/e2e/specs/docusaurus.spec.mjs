// The widget on a real Docusaurus 3 site (tests/e2e/docusaurus, built by run.sh), added only
// through docusaurus.config.js `scripts`. The site is served on one port and its Lectern (the
// "book" instance, whose book is the site's docs/ and whose LECTERN_BOOK_URL is the site) on
// another: a reader signs up, answers the questionnaire, asks, and gets sources linking into the
// site's pages; the site's own styles are untouched by the widget.
import {
  test, expect, server, widget, openWidget, createAccount, fillQuestionnaire, profileSchema,
  ask, freshEmail,
} from "../lib/fixtures.mjs";

const SITE = server("E2E_SITE_URL");
const LECTERN = server("E2E_BOOK_LECTERN_URL");
const QUESTION = "How does a sea star eat a mussel?";

/** Computed styles of the site's own chrome that a leaking stylesheet would change. */
function siteStyles(page) {
  return page.evaluate(() => {
    const pick = (sel, props) => {
      const el = document.querySelector(sel);
      if (!el) return `missing ${sel}`;
      const cs = getComputedStyle(el);
      return Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
    };
    const box = ["background-color", "color", "font-family", "font-size", "line-height", "height", "border-bottom",
      "padding", "margin", "box-shadow", "display", "position"];
    return {
      navbar: pick("nav.navbar", box),
      brand: pick(".navbar__title", ["color", "font-family", "font-size", "font-weight"]),
      body: pick("body", ["background-color", "color", "font-family", "font-size", "line-height", "margin", "overflow"]),
      html: pick("html", ["font-size", "color-scheme", "overflow"]),
      h1: pick("article h1, main h1", ["color", "font-family", "font-size", "margin"]),
      p: pick("article p, main p", ["color", "font-family", "font-size", "line-height"]),
      button: pick(".navbar button, button", ["font-size", "font-family"]),
    };
  });
}

test("the widget on a Docusaurus site: sign up, questionnaire, ask, sources into the site, site styles untouched", async ({ page, shot }, testInfo) => {
  await page.goto(SITE + "/docs/intro");
  await expect(page.getByRole("heading", { level: 1, name: "Welcome to the tide pools" })).toBeVisible();
  // The script tag came from docusaurus.config.js `scripts`, with its data- attribute.
  const tag = page.locator("script[data-lectern]");
  await expect(tag).toHaveCount(1);
  await expect(tag).toHaveAttribute("src", `${LECTERN}/widget.js`);

  const w = widget(page);
  await expect(w.launcher).toBeVisible();
  const before = await siteStyles(page);
  await shot("docusaurus page with launcher");

  await openWidget(w);
  expect(await siteStyles(page), "the site's styles with the panel open").toEqual(before);
  await expect(page.locator("nav.navbar")).toBeVisible();
  await shot("panel open on docusaurus");

  // Cross-port but same-site: sign-up and the session cookie work from the site's origin.
  await createAccount(w, { name: "Tide Reader", email: freshEmail("docusaurus", testInfo) });
  const schema = await profileSchema(page.request, LECTERN);
  await fillQuestionnaire(w, schema);
  await shot("questionnaire on docusaurus");
  await w.saveProfile.click();
  await expect(w.question).toBeVisible();

  const sources = await ask(w, QUESTION);
  await expect(sources.first()).toBeVisible();
  const hrefs = await sources.evaluateAll((links) => links.map((a) => a.href));
  expect(hrefs.length).toBeGreaterThan(0);
  for (const href of hrefs) expect(href, "sources link into the Docusaurus site").toMatch(new RegExp(`^${SITE}/docs/`));
  expect(hrefs).toContain(`${SITE}/docs/sea-stars#how-sea-stars-eat`);
  await expect(w.log.getByText(/stomach/i).first()).toBeVisible();
  await shot("answer on docusaurus");
  expect(await siteStyles(page), "the site's styles after a conversation").toEqual(before);

  // Following the source: a real page of the site, at the cited heading.
  const link = sources.filter({ hasText: /How sea stars eat/ }).first();
  await expect(link).toBeVisible();
  const target = (await link.getAttribute("target")) === "_blank";
  const [dest] = await Promise.all([
    target ? page.context().waitForEvent("page") : Promise.resolve(page),
    link.click(),
  ]);
  await dest.waitForLoadState("domcontentloaded");
  await expect(dest).toHaveURL(`${SITE}/docs/sea-stars#how-sea-stars-eat`);
  await expect(dest.getByRole("heading", { level: 2, name: /How sea stars eat/ })).toBeVisible();
  await shot("cited page of the site", dest);

  // The session lives on: the widget on the new page is signed in (cookie sent cross-port).
  const w2 = widget(dest);
  await openWidget(w2);
  await expect(w2.question).toBeVisible();
  await w2.history.click();
  await expect(w2.dialog.getByRole("button", { name: QUESTION, exact: true })).toBeVisible();
  await shot("history on the cited page", dest);

  // Closing the panel leaves the site as it was.
  await w.close.click();
  await expect(w.dialog).toBeHidden();
  expect(await siteStyles(page)).toEqual(before);
});
