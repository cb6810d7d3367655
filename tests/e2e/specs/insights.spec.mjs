// The author's dashboard (/admin) on demo data (`lectern dev demo-data`, run by run.sh before
// the insights server starts): every view renders for the admin at desktop and phone sizes,
// with its tables and CSV links, fitting the screen; a reader is refused with no data.
// Screenshots go to docs/screenshots/insights-<view>-<project>.png for docs/insights.md.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test, expect, server, freshEmail, PASSWORD } from "../lib/fixtures.mjs";

const INSIGHTS = server("E2E_INSIGHTS_URL");
const ADMIN = { email: server("E2E_INSIGHTS_ADMIN_EMAIL"), password: server("E2E_INSIGHTS_ADMIN_PASSWORD") };
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/screenshots");
const VIEWS = [
  ["", "overview", "Overview"],
  ["/readers", "readers", "Readers"],
  ["/backgrounds", "backgrounds", "Backgrounds"],
  ["/questions", "questions", "Questions by place in the book"],
  ["/failures", "failures", "Where the book fails"],
  ["/health", "health", "Tutor health"],
];

test("the admin sees every view of the dashboard on demo data", async ({ page }, testInfo) => {
  const signIn = await page.request.post(INSIGHTS + "/api/auth/sign-in/email", {
    data: ADMIN, headers: { origin: INSIGHTS },
  });
  expect(signIn.status()).toBe(200);
  for (const [pathname, name, title] of VIEWS) {
    const res = await page.goto(`${INSIGHTS}/admin${pathname}`);
    expect(res.status(), `/admin${pathname}`).toBe(200);
    await expect(page.getByRole("heading", { level: 1, name: title, exact: true })).toBeVisible();
    await expect(page.getByRole("link", { name: "CSV" }).first()).toBeVisible();
    const rows = page.locator("tbody tr");
    expect(await rows.count(), `${name} has rows on demo data`).toBeGreaterThan(0);
    // Nothing wider than the screen but the tables' own scrolling boxes.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} fits the ${testInfo.project.name} screen`).toBeLessThanOrEqual(1);
    await page.screenshot({ path: path.join(DOCS, `insights-${name}-${testInfo.project.name}.png`), fullPage: false });
  }
  // A table downloads as CSV, with the filters of the page.
  const csv = await page.request.get(`${INSIGHTS}/admin/backgrounds?format=csv&table=softwareExperience`);
  expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
  expect((await csv.text()).split("\r\n")[0]).toBe("answer,readers,share");
  // A filter by background narrows every view: only beginners.
  await page.goto(`${INSIGHTS}/admin/questions`);
  await page.getByLabel("Readers").selectOption("softwareExperience:beginner");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/background=softwareExperience%3Abeginner/);
  await expect(page.getByLabel("Readers")).toHaveValue("softwareExperience:beginner");
});

test("a reader gets a 403 and no data", async ({ page }, testInfo) => {
  const email = freshEmail("insights-reader", testInfo);
  const up = await page.request.post(INSIGHTS + "/api/auth/sign-up/email", {
    data: { name: "Reader", email, password: PASSWORD }, headers: { origin: INSIGHTS },
  });
  expect(up.status()).toBe(200);
  const res = await page.goto(`${INSIGHTS}/admin/failures`);
  expect(res.status()).toBe(403);
  const body = await res.text();
  expect(JSON.parse(body).code).toBe("FORBIDDEN");
  expect(body).not.toContain("<table");
});
