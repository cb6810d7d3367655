// Shared pieces of the browser tests: the servers' URLs, screenshots with readable names, and
// the widget as a reader sees it, located by role and accessible name (the widget's contract;
// Playwright's role and CSS locators pierce its open shadow root).
import { test as base, expect } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";

/** A URL run.sh passed in; a spec run without it fails here, loudly, instead of skipping. */
export function server(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through tests/e2e/run.sh`);
  return value.replace(/\/$/, "");
}

export const artifacts = process.env.E2E_ARTIFACTS || "/tmp/e2e";
export const PASSWORD = "correct horse battery";

/** Chromium as a reader across sites meets it: `book.test` (the book's own site) resolves to
 * loopback, and third-party cookies are blocked, as browsers are phasing them out. */
export const crossSiteBrowser = {
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--host-resolver-rules=MAP book.test 127.0.0.1",
      "--test-third-party-cookie-phaseout",
    ],
  },
};

let counter = 0;
/** A fresh e-mail address, unique across workers and runs. */
export function freshEmail(tag, testInfo) {
  counter += 1;
  const rand = Math.random().toString(36).slice(2, 8);
  return `${tag}-${testInfo.project.name}-${process.pid}-${counter}-${rand}@example.com`;
}

export const test = base.extend({
  // Every test fails on an uncaught exception or unhandled rejection in the page (the widget
  // must not throw, whatever the network does), and on a Content-Security-Policy violation (the
  // demo page's CSP allows only Lectern's own files: a violation is the widget doing something
  // a strict site forbids, or hostile markup trying to run).
  pageErrors: [
    async ({ page }, use) => {
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e?.stack || e)));
      await page.exposeFunction("__e2eCspViolation", (v) => errors.push(`CSP violation: ${v}`));
      await page.addInitScript(() => {
        document.addEventListener(
          "securitypolicyviolation",
          (e) => window.__e2eCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} ${e.sample || ""} at ${e.sourceFile}:${e.lineNumber}`),
          true,
        );
      });
      await use(errors);
      expect(errors, "uncaught errors and CSP violations in the page").toEqual([]);
    },
    { auto: true },
  ],
  // shot("name"): a screenshot of the viewport at
  // ${E2E_ARTIFACTS}/screenshots/<project>/<spec>--<test>--<NN>-<name>.png
  shot: async ({ page }, use, testInfo) => {
    let n = 0;
    const dir = path.join(artifacts, "screenshots", testInfo.project.name);
    fs.mkdirSync(dir, { recursive: true });
    const spec = path.basename(testInfo.file).replace(/\.spec\.mjs$/, "");
    const title = slug(testInfo.title).slice(0, 60);
    await use(async (name, target = page) => {
      n += 1;
      const file = path.join(dir, `${spec}--${title}--${String(n).padStart(2, "0")}-${slug(name)}.png`);
      await target.screenshot({ path: file, animations: "disabled" });
      return file;
    });
  },
});
export { expect };

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/** The widget on a page, by the accessible names of its contract. */
export function widget(page, title = "Ask the book") {
  const dialog = page.getByRole("dialog", { name: title });
  const w = {
    page,
    launcher: page.getByRole("button", { name: "Open the tutor" }),
    dialog,
    close: dialog.getByRole("button", { name: "Close the tutor" }),
    // signed out
    signInTab: dialog.getByRole("tab", { name: "Sign in" }),
    createTab: dialog.getByRole("tab", { name: "Create account" }),
    name: dialog.getByRole("textbox", { name: "Name" }),
    email: dialog.getByRole("textbox", { name: "Email" }),
    // a password input has no role; its label names it
    password: dialog.getByLabel("Password", { exact: true }),
    signInButton: dialog.getByRole("button", { name: "Sign in", exact: true }),
    createButton: dialog.getByRole("button", { name: "Create account", exact: true }),
    guestButton: dialog.getByRole("button", { name: "Continue as guest" }),
    alert: dialog.getByRole("alert"),
    // questionnaire
    questionnaire: dialog.getByRole("form", { name: "Your background" }),
    saveProfile: dialog.getByRole("button", { name: "Save and start" }),
    skipProfile: dialog.getByRole("button", { name: "Skip for now" }),
    // chat
    newChat: dialog.getByRole("button", { name: "New conversation" }),
    history: dialog.getByRole("button", { name: "History" }),
    signOut: dialog.getByRole("button", { name: "Sign out" }),
    guestNote: dialog.getByText("You are chatting as a guest."),
    upgrade: dialog.getByRole("button", { name: "Create an account" }),
    log: dialog.getByRole("log"),
    question: dialog.getByRole("textbox", { name: "Your question" }),
    send: dialog.getByRole("button", { name: "Send", exact: true }),
    stop: dialog.getByRole("button", { name: "Stop" }),
    status: dialog.getByRole("status"),
    helpful: dialog.getByRole("button", { name: "Helpful", exact: true }),
    notHelpful: dialog.getByRole("button", { name: "Not helpful", exact: true }),
  };
  return w;
}

/** Clicks the launcher and waits for the panel. */
export async function openWidget(w) {
  await expect(w.launcher).toBeVisible();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "false");
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "true");
}

/** Fills and submits "Create account" (the panel must show the signed-out view). */
export async function createAccount(w, { name, email, password = PASSWORD }) {
  await w.createTab.click();
  await expect(w.createTab).toHaveAttribute("aria-selected", "true");
  await w.name.fill(name);
  await w.email.fill(email);
  await w.password.fill(password);
  await w.createButton.click();
}

export async function signIn(w, { email, password = PASSWORD }) {
  await w.signInTab.click();
  await expect(w.signInTab).toHaveAttribute("aria-selected", "true");
  await w.email.fill(email);
  await w.password.fill(password);
  await w.signInButton.click();
}

/** The questionnaire as the server serves it. */
export async function profileSchema(request, lecternUrl) {
  const res = await request.get(`${lecternUrl}/api/user/profile/schema`);
  expect(res.status()).toBe(200);
  const schema = await res.json();
  expect(schema.questions?.length, "the profile schema has questions").toBeGreaterThan(0);
  return schema;
}

// Answers a reader with an NVIDIA GPU and a Jetson would give (exercising a showIf question);
// for questions this table does not know (an author's own schema), the first option.
const PREFERRED = {
  softwareExperience: "beginner",
  programmingLanguages: ["python", "cpp"],
  operatingSystem: "linux",
  gpu: "nvidia",
  gpuModel: "RTX 4070",
  roboticsHardware: ["jetson"],
  learningGoals: "Make a humanoid walk",
};

function shown(q, answers) {
  if (!q.showIf) return true;
  const a = answers[q.showIf.question];
  const values = Array.isArray(a) ? a : a == null ? [] : [a];
  return values.some((v) => q.showIf.anyOf.includes(v));
}

/**
 * Fills the questionnaire from the schema, the way a reader would: a radio per single-choice
 * question, checkboxes for multi, text for text, each located by the question's label; a
 * question with showIf must appear once its condition holds. Returns the answers given.
 */
export async function fillQuestionnaire(w, schema) {
  const form = w.questionnaire;
  await expect(form).toBeVisible();
  const answers = {};
  for (const q of schema.questions) {
    if (!shown(q, answers)) continue;
    const want = PREFERRED[q.id];
    if (q.type === "text") {
      if (!q.required && want === undefined) continue;
      const value = want ?? "e2e";
      const box = form.getByRole("textbox", { name: q.label, exact: true });
      await expect(box, `text question "${q.label}"`).toBeVisible();
      await box.fill(value);
      answers[q.id] = value;
      continue;
    }
    const group = form
      .getByRole("radiogroup", { name: q.label, exact: true })
      .or(form.getByRole("group", { name: q.label, exact: true }))
      .first();
    await expect(group, `question "${q.label}"`).toBeVisible();
    if (q.type === "single") {
      const value = want ?? q.options[0].value;
      const option = q.options.find((o) => o.value === value);
      await group.getByRole("radio", { name: option.label, exact: true }).check();
      answers[q.id] = value;
    } else {
      if (!q.required && want === undefined) continue;
      const values = want ?? [q.options.find((o) => !o.exclusive).value];
      for (const value of values) {
        const option = q.options.find((o) => o.value === value);
        await group.getByRole("checkbox", { name: option.label, exact: true }).check();
      }
      answers[q.id] = values;
    }
  }
  return answers;
}

/**
 * Waits for the dialog to show the chat, and when the questionnaire comes first (a guest may be
 * offered it), skips it.
 */
export async function chatReady(w) {
  await expect(w.question.or(w.skipProfile)).toBeVisible();
  if (await w.skipProfile.isVisible()) await w.skipProfile.click();
  await expect(w.question).toBeVisible();
}

/** Opens the page at `url`, continues as a guest and waits for the chat; returns the widget. */
export async function guestChat(page, url) {
  await page.goto(url);
  const w = widget(page);
  await openWidget(w);
  await w.guestButton.click();
  await chatReady(w);
  return w;
}

/** True for the POST of a question (the SSE answer). */
export function isAsk(response) {
  return (
    response.request().method() === "POST" &&
    /\/api\/chats\/[^/]+\/messages$/.test(new URL(response.url()).pathname)
  );
}

/**
 * Asks a question through the panel and waits for the finished answer: the request streams
 * (text/event-stream), and the log then holds one more "Helpful" button (a finished answer's
 * feedback) and a Sources list. Returns the locator of the last Sources links.
 */
export async function ask(w, question) {
  const before = await w.helpful.count();
  const answered = w.page.waitForResponse(isAsk);
  await w.question.fill(question);
  await w.send.click();
  const res = await answered;
  expect(res.status(), "the ask request").toBe(200);
  expect(res.headers()["content-type"] ?? "").toContain("text/event-stream");
  await expect(w.log.getByText(question, { exact: true }).last()).toBeVisible();
  await expect(w.helpful).toHaveCount(before + 1, { timeout: 30_000 });
  await expect(w.question, "the box is emptied once the question is sent").toHaveValue("");
  return lastSources(w);
}

/** The links of the most recent answer's "Sources" list. */
export function lastSources(w) {
  return w.log.getByRole("list", { name: "Sources" }).last().getByRole("link");
}

/** The reset link mailed to `email` in the `outbox` directory (sent after the answer: polled by expect, bounded). */
export async function mailedLink(outbox, email) {
  let link = null;
  await expect
    .poll(() => {
      for (const f of fs.readdirSync(outbox)) {
        const mail = fs.readFileSync(path.join(outbox, f), "utf8").replace(/=\r?\n/g, "").replace(/=3D/g, "=");
        if (mail.includes(`To: ${email}`)) link = mail.match(/https?:\/\/\S+\/api\/auth\/reset-password\/\S+/)?.[0] ?? null;
      }
      return link;
    }, { message: `a reset mail to ${email}`, timeout: 10_000 })
    .not.toBeNull();
  return link;
}
