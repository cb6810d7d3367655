// A guest chats, then creates an account from the panel, and finds the guest conversation in
// the account's history (the merge on sign-up, as the reader sees it).
import {
  test, expect, server, ask, freshEmail, fillQuestionnaire, profileSchema, PASSWORD, guestChat,
} from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const QUESTION = "What is URDF used for?";

test("a guest chats, then signs up and keeps the conversation", async ({ page, shot }, testInfo) => {
  const email = freshEmail("guest", testInfo);
  const w = await guestChat(page, MAIN + "/");
  await expect(w.guestNote).toBeVisible();
  await expect(w.upgrade).toBeVisible();
  await shot("guest chat");

  const guest = await (await page.request.get(MAIN + "/api/auth/get-session")).json();
  expect(guest.user.isAnonymous).toBe(true);

  const sources = await ask(w, QUESTION);
  await expect(sources.first()).toBeVisible();
  await expect(sources.first()).toHaveAttribute("href", /\/docs\/robot-description\/urdf/);
  await shot("guest answer");

  await w.upgrade.click();
  await expect(w.createTab).toHaveAttribute("aria-selected", "true");
  await expect(w.dialog.getByText("Your guest conversations move to your new account.")).toBeVisible();
  await w.name.fill("Grace Guest");
  await w.email.fill(email);
  await w.password.fill(PASSWORD);
  await shot("guest creates account");
  await w.createButton.click();

  // The guest skipped the questionnaire, so the account is gated until it is filled.
  await expect(w.question.or(w.questionnaire)).toBeVisible();
  if (await w.questionnaire.isVisible()) {
    await fillQuestionnaire(w, await profileSchema(page.request, MAIN));
    await shot("questionnaire after sign-up");
    await w.saveProfile.click();
  }
  await expect(w.question).toBeVisible();
  await expect(w.guestNote).toHaveCount(0);

  const session = await (await page.request.get(MAIN + "/api/auth/get-session")).json();
  expect(session.user.email).toBe(email);
  expect(session.user.isAnonymous ?? false).toBe(false);
  expect(session.user.id).not.toBe(guest.user.id);

  await w.history.click();
  const past = w.dialog.getByRole("button", { name: QUESTION, exact: true });
  await expect(past, "the guest's conversation moved to the account").toBeVisible();
  await shot("history after sign-up");
  await past.click();
  await expect(w.log.getByText(QUESTION, { exact: true })).toBeVisible();
  await expect(w.helpful).toHaveCount(1);
  await shot("guest conversation reopened");

  // And the server agrees: the account owns one chat with that title.
  const chats = await (await page.request.get(MAIN + "/api/chats")).json();
  const list = chats.chats ?? chats.items ?? chats;
  expect(list.map((c) => c.title)).toContain(QUESTION);
});
