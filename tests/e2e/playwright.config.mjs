// Playwright configuration for Lectern's browser tests. Run through run.sh, which starts the
// servers and passes their URLs in E2E_* variables; specs fail loudly when one is missing.
import { defineConfig } from "@playwright/test";
import path from "node:path";

const artifacts = process.env.E2E_ARTIFACTS || "/tmp/e2e";

// Debian's Chromium, never a browser Playwright downloads.
const launchOptions = {
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
};

// Specs that run once (desktop): they measure, or spend a shared budget (the rate limit).
const desktopOnly = [/rate-limit\.spec\.mjs/, /first-paint\.spec\.mjs/];

export default defineConfig({
  testDir: "specs",
  outputDir: path.join(artifacts, "test-results"),
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  // Two cores: two browsers at a time, while the servers hash passwords with the rest.
  workers: 2,
  reporter: [["list"], ["json", { outputFile: path.join(artifacts, "results.json") }]],
  use: {
    launchOptions,
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    colorScheme: "light",
    locale: "en-GB",
  },
  projects: [
    {
      name: "desktop",
      use: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
    },
    {
      name: "phone",
      testIgnore: desktopOnly,
      use: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    },
  ],
});
