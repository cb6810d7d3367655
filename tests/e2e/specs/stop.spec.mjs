// Streaming as the reader sees it, on the "hostile" Lectern whose fake model streams a question
// containing "e2e-slow" at 50 ms a piece: the answer grows while "Stop" is offered; Stop ends it,
// keeps the part written so far, and gives the Send button back. The server stops too: the
// stored answer is that part, marked stopped, and a reload shows it so.
import { test, expect, server, openWidget, isAsk, guestChat } from "../lib/fixtures.mjs";

const HOSTILE = server("E2E_HOSTILE_URL");
const QUESTION = "Walk me through a sea star's meal (e2e-slow)";

test("a streaming answer can be stopped, and what was written stays", async ({ page, shot }) => {
  const w = await guestChat(page, HOSTILE + "/");

  const answered = page.waitForResponse(isAsk);
  await w.question.fill(QUESTION);
  await w.send.click();
  expect((await answered).headers()["content-type"]).toContain("text/event-stream");
  await expect(w.stop, "Stop is offered while the answer streams").toBeVisible();
  await expect(w.send).toHaveCount(0);
  // Streamed text appears before the answer is finished (tokens, not one final block).
  await expect(w.log.getByText(/Sea stars pull/).last()).toBeVisible();
  await expect(w.helpful).toHaveCount(0);
  await shot("streaming");

  await w.stop.click();
  await expect(w.dialog.getByText(/You stopped this answer/)).toBeVisible();
  await expect(w.send).toBeVisible();
  await expect(w.stop).toHaveCount(0);
  await expect(w.log.getByText(/Sea stars pull/).last()).toBeVisible();
  // The whole answer (which ends "That is all for now.") never arrived.
  await expect(w.log.getByText(/That is all/)).toHaveCount(0);
  await shot("stopped");

  const stored = async () => {
    const list = await (await page.request.get(HOSTILE + "/api/chats")).json();
    const chat = await (await page.request.get(HOSTILE + "/api/chats/" + list.chats[0].id)).json();
    const answer = chat.messages.find((m) => m.role === "assistant");
    return [answer.status, answer.error, /That is all/.test(answer.content)];
  };
  await expect.poll(stored, { message: "the server stopped the model" }).toEqual(["interrupted", "STOPPED", false]);

  await page.reload();
  if (!(await w.dialog.isVisible())) await openWidget(w);
  await w.newChat.click();
  await w.history.click();
  await w.dialog.getByRole("button", { name: QUESTION, exact: true }).click();
  await expect(w.dialog.getByText(/You stopped this answer/)).toBeVisible();
  await expect(w.log.getByText(/Sea stars pull/).last()).toBeVisible();
  await expect(w.log.getByText(/That is all/)).toHaveCount(0);
  await shot("stopped after reload");
});
