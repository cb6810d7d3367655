// Hostile content in an answer does not execute in the page. The "hostile" Lectern's model
// (fake-llm.mjs) answers with a script tag, an onerror image, javascript: links, an iframe, an
// onclick anchor and an SVG animation handler, next to normal Markdown (a sentence citing [1],
// a table, a code block). Checked twice: as streamed, and as reloaded from the history (the
// server's sanitised HTML).
import { test, expect, server, openWidget, ask, guestChat } from "../lib/fixtures.mjs";

const HOSTILE = server("E2E_HOSTILE_URL");
const QUESTION = "How does a sea star open a mussel?";

/** Everything inside the widget's shadow root that could run code. */
function dangerous(page) {
  return page.evaluate(() => {
    const roots = [...document.querySelectorAll("*")].filter((e) => e.shadowRoot).map((e) => e.shadowRoot);
    const found = [];
    for (const root of roots) {
      for (const el of root.querySelectorAll("*")) {
        const tag = el.localName;
        if (["script", "iframe", "object", "embed", "frame", "frameset", "animate", "set", "foreignobject"].includes(tag))
          found.push(`<${tag}>`);
        for (const { name, value } of el.attributes) {
          if (/^on/i.test(name)) found.push(`<${tag} ${name}="${value}">`);
          if (["href", "src", "action", "formaction", "xlink:href", "srcdoc", "data"].includes(name.toLowerCase()) &&
              /^\s*(javascript|data|vbscript):/i.test(value)) found.push(`<${tag} ${name}="${value}">`);
          if (name === "srcdoc") found.push(`<${tag} srcdoc>`);
        }
      }
    }
    return { roots: roots.length, found };
  });
}

async function assertInert(page, w, dialogs) {
  const { roots, found } = await dangerous(page);
  expect(roots, "the widget's shadow root").toBeGreaterThan(0);
  expect(found, "script-capable markup inside the widget").toEqual([]);
  expect(await page.evaluate(() => window.__pwned), "window.__pwned").toBeUndefined();
  expect(dialogs, "dialogs opened by the answer").toEqual([]);
  // The harmless parts did render, as HTML (not as escaped source).
  const answer = w.log.locator("table").last();
  await expect(answer).toBeVisible();
  await expect(answer.getByRole("cell", { name: "Tube feet" })).toBeVisible();
  await expect(answer.getByRole("columnheader", { name: "Job" })).toBeVisible();
  await expect(w.log.locator("pre code").last()).toContainText('print("code-block-ok")');
  await expect(w.log.locator("strong", { hasText: "for now" }).last()).toBeVisible();
  await expect(w.log.getByText(/tube feet and digest it in place/).last()).toBeVisible();
  // [1] became a citation link to the first source.
  const cite = w.log.getByRole("link", { name: "Source 1" }).last();
  await expect(cite).toBeVisible();
  await expect(cite).toHaveAttribute("href", /^https?:\/\/[^/]+\/docs\//);
  // The link texts survive without their payload; clicking them runs nothing.
  for (const text of ["click", "also this", "tap here"]) {
    const el = w.log.getByText(text, { exact: true }).last();
    await expect(el).toBeVisible();
    const href = await el.evaluate((e) => e.closest("a")?.getAttribute("href") ?? null);
    if (href !== null) expect(href).toMatch(/^(https?:|#|\/)/);
  }
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
}

async function hostileFlow(page, shot) {
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  // (The pageErrors fixture also fails the test on any CSP violation: hostile markup that
  // reached the DOM in a form that tried to run, even though the policy stopped it.)
  const w = await guestChat(page, HOSTILE + "/");

  await ask(w, QUESTION);
  await assertInert(page, w, dialogs);
  await w.log.locator("table").last().scrollIntoViewIfNeeded();
  await shot("hostile answer, streamed");

  // The link texts are clickable harmlessly: no navigation, no code.
  const url = page.url();
  for (const text of ["click", "also this", "tap here"]) await w.log.getByText(text, { exact: true }).last().click();
  expect(page.url().replace(/#.*$/, "")).toBe(url.replace(/#.*$/, ""));
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();

  // The same answer as stored and rendered by the server, reopened after a reload.
  await page.reload();
  if (!(await w.dialog.isVisible())) await openWidget(w);
  await expect(w.log.getByText(QUESTION, { exact: true }).or(w.history).first()).toBeVisible();
  if (!(await w.log.getByText(QUESTION, { exact: true }).isVisible())) {
    await w.history.click();
    await w.dialog.getByRole("button", { name: QUESTION, exact: true }).click();
  }
  await expect(w.log.getByText(QUESTION, { exact: true })).toBeVisible();
  await assertInert(page, w, dialogs);
  await w.log.locator("table").last().scrollIntoViewIfNeeded();
  await shot("hostile answer, from history");

  // What the model said really was hostile: the stored Markdown still carries it (so the test
  // above proved the rendering, not a model that happened to be harmless).
  const chats = await (await page.request.get(HOSTILE + "/api/chats")).json();
  const list = chats.chats ?? chats.items ?? chats;
  const chat = await (await page.request.get(`${HOSTILE}/api/chats/${list[0].id}`)).json();
  const answer = chat.messages.find((m) => m.role !== "user");
  expect(answer.content).toContain("<script>window.__pwned=1</script>");
  expect(answer.content).toContain("javascript:window.__pwned=3");
  expect(answer.html).not.toMatch(/<script|onerror|javascript:|<iframe/i);
}

test("an answer full of script, handlers and javascript: links stays inert (demo page, with its CSP)", async ({ page, shot }) => {
  await hostileFlow(page, shot);
});

test.describe("on a host page without a Content-Security-Policy", () => {
  // Most authors' sites have no CSP, so nothing but the sanitiser and the widget stand between
  // the answer and the page: bypassCSP makes the demo page such a site.
  test.use({ bypassCSP: true });
  test("the same hostile answer stays inert", async ({ page, shot }) => {
    await hostileFlow(page, shot);
  });
});
