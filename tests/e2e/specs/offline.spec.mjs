// Offline: with the browser offline, sending a question shows a readable message and keeps the
// typed question; back online, the same question goes through.
import { test, expect, server, ask, isAsk, guestChat } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const QUESTION = "What does a lidar measure?";

test("offline: a readable message, and the typed question is not lost", async ({ page, context, shot }) => {
  const w = await guestChat(page, MAIN + "/");

  const asked = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && /\/api\/chats\/[^/]+\/messages$/.test(new URL(r.url()).pathname)) asked.push(r.url());
  });
  await context.setOffline(true);
  await expect(w.status.filter({ hasText: /offline/i })).toBeVisible();
  await w.question.fill(QUESTION);
  await w.send.click();
  await expect(w.status.filter({ hasText: /offline/i })).toBeVisible();
  await expect(w.question, "the typed question is kept").toHaveValue(QUESTION);
  await expect(w.log.getByText(QUESTION, { exact: true }), "no half-sent question in the log").toHaveCount(0);
  await shot("offline");
  // Enter, the other way to send, behaves the same.
  await w.question.press("Enter");
  await expect(w.question).toHaveValue(QUESTION);
  expect(asked, "nothing was sent while offline").toEqual([]);

  await context.setOffline(false);
  await expect(w.status.filter({ hasText: /offline/i })).toHaveCount(0);
  const answered = page.waitForResponse(isAsk);
  await w.send.click();
  expect((await answered).status()).toBe(200);
  await expect(w.log.getByText(QUESTION, { exact: true })).toBeVisible();
  await expect(w.helpful).toHaveCount(1);
  await expect(w.question).toHaveValue("");
  await shot("back online");
});

test("offline after the page loaded, network gone mid-session: sending explains and keeps the text", async ({ page, context, shot }) => {
  // The same, but the request is refused at the network layer while the browser still
  // believes it is online (a dead Wi-Fi, a server gone): the message must still be readable.
  const w = await guestChat(page, MAIN + "/");
  await ask(w, "What is a ROS 2 node?");
  await page.route(`${MAIN}/api/**`, (route) => route.abort("internetdisconnected"));
  await w.question.fill(QUESTION);
  await w.send.click();
  await expect(w.status.filter({ hasText: /offline|could not be reached|connection/i })).toBeVisible();
  await expect(w.question).toHaveValue(QUESTION);
  await shot("network refused");
  await page.unroute(`${MAIN}/api/**`);
  await ask(w, QUESTION);
});
