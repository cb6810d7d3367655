// Rate limiting, on the "limited" Lectern (LECTERN_RATE_LIMIT=on: 3 sign-in attempts per 10 s
// per IP, Better Auth's rule): repeated wrong passwords end in a readable "Too many attempts"
// in the panel's alert, not a silent failure. Desktop only: the budget is per IP and shared.
import { test, expect, server, widget, openWidget, signIn, freshEmail } from "../lib/fixtures.mjs";

const LIMITED = server("E2E_LIMITED_URL");

test("too many sign-in attempts show a readable rate-limit error", async ({ page, shot }, testInfo) => {
  await page.goto(LIMITED + "/");
  const w = widget(page);
  await openWidget(w);
  const email = freshEmail("limited", testInfo);
  const statuses = [];
  // Bounded: the limit is 3 per window, so the 4th attempt within it must be refused; a few
  // more allow for a window that rolled over between attempts.
  for (let attempt = 1; attempt <= 8; attempt++) {
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in/email"));
    if (attempt === 1) await signIn(w, { email, password: "wrong password 1" });
    else await w.signInButton.click();
    const res = await answered;
    statuses.push(res.status());
    if (res.status() === 429) break;
    await expect(w.dialog.getByText("Wrong email or password.")).toBeVisible();
  }
  expect(statuses, "the server refused an attempt with 429").toContain(429);
  await expect(w.alert.filter({ hasText: "Too many attempts" })).toBeVisible();
  await expect(w.alert.filter({ hasText: "Too many attempts" })).toHaveText(/Too many attempts\. Try again in \d+ seconds?\./);
  await expect(w.signInButton, "the form stays usable").toBeEnabled();
  await shot("rate limited");
});

test("asking too quickly shows a readable message and keeps the question", async ({ page, shot }) => {
  await page.goto(LIMITED + "/");
  const w = widget(page);
  await openWidget(w);
  await w.guestButton.click();
  await expect(w.question.or(w.skipProfile)).toBeVisible();
  if (await w.skipProfile.isVisible()) await w.skipProfile.click();
  await expect(w.question).toBeVisible();
  // Spend the budget (20 questions a minute) through the API, as this guest, then ask once
  // more in the panel. Bounded: stop as soon as the server says 429.
  const chat = await page.request.post(LIMITED + "/api/chats", { data: {}, headers: { origin: LIMITED } });
  expect(chat.status()).toBe(201);
  const { id } = await chat.json();
  let limited = false;
  for (let i = 0; i < 25 && !limited; i++) {
    const res = await page.request.post(`${LIMITED}/api/chats/${id}/messages`, {
      data: { content: `Question number ${i + 1} about ROS 2 topics` },
      headers: { origin: LIMITED },
    });
    limited = res.status() === 429;
    if (!limited) expect(res.status()).toBe(200);
  }
  expect(limited, "the ask limit was reached within 25 questions").toBe(true);
  await w.question.fill("One more question about URDF");
  await w.send.click();
  await expect(w.status.filter({ hasText: "asking too quickly" })).toBeVisible();
  await expect(w.status.filter({ hasText: "asking too quickly" })).toHaveText(/Try again in (\d+ seconds?|a few seconds)\./);
  await expect(w.question, "the question is kept").toHaveValue("One more question about URDF");
  await shot("asking too quickly");
});
