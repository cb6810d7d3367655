// A question the book does not answer: the panel says so as a notice, distinct from an
// answer, and offers the closest sections as places to look instead of quoting them.
import { test, expect, server, ask, guestChat } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");

test("a question the book does not cover gets a distinct notice and places to look", async ({ page, shot }) => {
  const w = await guestChat(page, MAIN + "/");
  await ask(w, "What is the best recipe for sourdough bread?");
  const answer = w.log.locator(".msg.bot").last();
  await expect(answer).toHaveClass(/\buncovered\b/);
  await expect(answer.getByText("The book doesn't seem to cover this.")).toBeVisible();
  await expect(answer.locator("blockquote"), "nothing is quoted as if it answered").toHaveCount(0);
  const places = w.log.getByRole("list", { name: "You might look at" }).last().getByRole("link");
  await expect(places.first()).toHaveAttribute("href", /\/docs\//);
  await expect(w.log.getByRole("list", { name: "Sources" })).toHaveCount(0);
  await shot("not covered");

  // A question the book answers still reads as an answer, with its sources.
  const sources = await ask(w, "What is URDF used for?");
  await expect(sources.first()).toHaveAttribute("href", /\/docs\/robot-description\/urdf/);
  await expect(w.log.locator(".msg.bot").last()).not.toHaveClass(/\buncovered\b/);
  await shot("covered answer after");
});
