// A new reader on the demo page (GET / of the main Lectern): signs up, is shown the
// questionnaire, completes it, asks, sees the streamed answer with sources, changes their
// background, reloads and finds the conversation in the history, signs out.
import {
  test, expect, server, widget, openWidget, createAccount, fillQuestionnaire, profileSchema,
  ask, freshEmail,
} from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");
const QUESTION = "How do I publish messages to a ROS 2 topic?";

test("a new reader signs up, fills the questionnaire, asks, finds the chat in history, signs out", async ({ page, shot }, testInfo) => {
  const schema = await profileSchema(page.request, MAIN);
  const email = freshEmail("reader", testInfo);

  await page.goto(MAIN + "/");
  await expect(page, "the demo page is a chapter of the sample book").toHaveTitle(/\S/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const w = widget(page);
  await expect(w.launcher).toBeVisible();
  await shot("demo page");

  await openWidget(w);
  await expect(w.signInTab).toBeVisible();
  await expect(w.guestButton).toBeVisible();
  await shot("signed out");

  await createAccount(w, { name: "Ada Reader", email });
  await shot("create account submitted");

  // The hard gate, as the reader sees it: the questionnaire before any chat.
  await expect(w.questionnaire).toBeVisible();
  await expect(w.question).toHaveCount(0);
  await expect(w.skipProfile, "only guests may skip").toHaveCount(0);
  await shot("questionnaire");
  // Saving it empty names the required questions.
  await w.saveProfile.click();
  const firstRequired = schema.questions.find((q) => q.required);
  await expect(w.questionnaire.getByText(/answer this question|required/i).first()).toBeVisible();
  await shot("questionnaire errors");
  const answers = await fillQuestionnaire(w, schema);
  await expect(w.questionnaire.getByRole("textbox", { name: "Which NVIDIA GPU?" }), "a showIf question appears").toBeVisible();
  await shot("questionnaire filled");
  await w.saveProfile.click();
  await expect(w.question).toBeVisible();
  await shot("chat ready");

  // The server holds exactly what the form said.
  const profile = await page.request.get(MAIN + "/api/user/profile");
  expect(profile.status()).toBe(200);
  expect((await profile.json()).answers).toMatchObject(answers);
  expect(answers[firstRequired.id]).toBeTruthy();
  const me = await (await page.request.get(MAIN + "/api/me")).json();
  expect(me.profileComplete).toBe(true);
  expect(me.user.email).toBe(email);

  // Ask; the answer streams, then shows its sources as links into the book.
  const sources = await ask(w, QUESTION);
  await expect(sources.first()).toBeVisible();
  const hrefs = await sources.evaluateAll((links) => links.map((a) => a.href));
  expect(hrefs.length).toBeGreaterThan(0);
  // Pages of the book on this server, at a heading where the section has one.
  for (const href of hrefs) expect(href).toMatch(new RegExp(`^${MAIN}/docs/[a-z0-9/-]+(#[a-z0-9-]+)?$`));
  expect(hrefs.some((h) => h.includes("/docs/ros2/")), `a ROS 2 chapter among ${hrefs}`).toBe(true);
  await expect(w.log.getByText(/topic/i).first()).toBeVisible();
  await shot("answer with sources");

  // Feedback toggles.
  await expect(w.helpful.last()).toHaveAttribute("aria-pressed", "false");
  await w.helpful.last().click();
  await expect(w.helpful.last()).toHaveAttribute("aria-pressed", "true");
  await expect(w.notHelpful.last()).toHaveAttribute("aria-pressed", "false");

  // A source opens a real page of the book on this server.
  const target = await page.request.get(hrefs[0]);
  expect(target.status(), `source link ${hrefs[0]}`).toBe(200);

  // The background can be changed later, from the chat: the form opens filled in, and the
  // conversation is still there after saving.
  await w.dialog.getByRole("button", { name: "Your background", exact: true }).click();
  await expect(w.questionnaire).toBeVisible();
  const single = schema.questions.find((q) => q.type === "single" && !q.showIf);
  const group = w.questionnaire.getByRole("group", { name: single.label, exact: true });
  const was = single.options.find((o) => o.value === answers[single.id]);
  await expect(group.getByRole("radio", { name: was.label, exact: true }), "the form shows what was saved").toBeChecked();
  const other = single.options.find((o) => o.value !== answers[single.id]);
  await group.getByRole("radio", { name: other.label, exact: true }).check();
  await shot("background edited");
  await w.dialog.getByRole("button", { name: "Save", exact: true }).click();
  await expect(w.question).toBeVisible();
  await expect(w.log.getByText(QUESTION, { exact: true })).toBeVisible();
  const changed = await (await page.request.get(MAIN + "/api/user/profile")).json();
  expect(changed.answers).toMatchObject({ ...answers, [single.id]: other.value });

  // Reload: the conversation is in the history, and reopening it shows the exchange.
  await page.reload();
  await expect(w.launcher).toBeVisible();
  if (!(await w.dialog.isVisible())) await openWidget(w);
  await expect(w.history).toBeVisible();
  await w.newChat.click();
  await expect(w.log.getByText(QUESTION, { exact: true })).toHaveCount(0);
  await w.history.click();
  const past = w.dialog.getByRole("button", { name: QUESTION, exact: true });
  await expect(past).toBeVisible();
  await shot("history");
  await past.click();
  await expect(w.log.getByText(QUESTION, { exact: true })).toBeVisible();
  await expect(w.helpful.last(), "the feedback given survives a reload").toHaveAttribute("aria-pressed", "true");
  await expect(w.log.getByRole("list", { name: "Sources" }).last().getByRole("link").first()).toBeVisible();
  await shot("conversation reopened");

  // Sign out: back to the sign-in view, and the session is gone on the server.
  await w.signOut.click();
  await expect(w.signInTab).toBeVisible();
  const session = await page.request.get(MAIN + "/api/auth/get-session");
  expect(await session.json()).toBeNull();
  await shot("signed out again");
});
