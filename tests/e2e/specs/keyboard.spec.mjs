// Keyboard: the launcher is reachable with Tab and opens with Enter (and Space); focus moves
// into the panel; Escape closes it and focus returns to the launcher. Also the page API.
import { test, expect, server, widget } from "../lib/fixtures.mjs";

const MAIN = server("E2E_MAIN_URL");

async function tabTo(page, locator, max = 120) {
  // Bounded: every focusable thing on the demo page at most once.
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await locator.evaluate((el) => el.getRootNode().activeElement === el)) return i + 1;
  }
  throw new Error(`the launcher was not reached in ${max} Tab presses`);
}

test("the launcher is reached and opened by keyboard; Escape closes and returns focus", async ({ page, shot }) => {
  await page.goto(MAIN + "/");
  const w = widget(page);
  await expect(w.launcher).toBeVisible();
  await tabTo(page, w.launcher);
  await expect(w.launcher).toBeFocused();
  await shot("launcher focused");

  await page.keyboard.press("Enter");
  await expect(w.dialog).toBeVisible();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "true");
  // Focus is inside the panel (the first field or tab), not left on the page.
  await expect.poll(() => w.dialog.evaluate((d) => d.contains(d.getRootNode().activeElement))).toBe(true);
  await shot("opened by keyboard");

  // Tabs switch with the arrow keys, as a tablist does.
  await w.signInTab.focus();
  await page.keyboard.press("ArrowRight");
  await expect(w.createTab).toBeFocused();
  await expect(w.createTab).toHaveAttribute("aria-selected", "true");

  await page.keyboard.press("Escape");
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "false");
  await expect(w.launcher).toBeFocused();
  await shot("closed by escape");

  // Space opens too; Escape from a text field inside closes as well.
  await page.keyboard.press("Space");
  await expect(w.dialog).toBeVisible();
  await w.email.focus();
  await page.keyboard.press("Escape");
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toBeFocused();
});

test("window.Lectern.open() and close() drive the same panel", async ({ page }) => {
  await page.goto(MAIN + "/");
  const w = widget(page);
  await expect(w.launcher).toBeVisible();
  expect(await page.evaluate(() => typeof window.Lectern?.open + "," + typeof window.Lectern?.close)).toBe("function,function");
  await page.evaluate(() => window.Lectern.open());
  await expect(w.dialog).toBeVisible();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "true");
  await page.evaluate(() => window.Lectern.close());
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toHaveAttribute("aria-expanded", "false");
});
