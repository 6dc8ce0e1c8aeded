// Drives the token doctor's page, GET /check, in the system's Chromium
// for the Go end-to-end test, as a person would: it pastes a token, fills
// what the client will do, presses the button and reads what the page
// shows.
//
// Standard input holds {"url": "http://127.0.0.1:port", "chromium":
// "/usr/bin/chromium", "screenshot": "path or empty", "cases": [{"token",
// "channel", "userKind", "user", "role", "rtmUserId"}]}. Standard output
// gets, for each case, the verdict, the checks and messages listed, the
// bars drawn in the lifetimes' SVG, and any error the console reported
// (a CSP violation included).
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const input = JSON.parse(readFileSync(0, "utf8"));
const profile = mkdtempSync(join(tmpdir(), "check-page-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: input.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1000, height: 900 },
  timeout: 30000,
});
const results = [];
try {
  for (const [i, c] of input.cases.entries()) {
    const page = await context.newPage();
    const consoleErrors = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    await page.goto(input.url + "/check", { waitUntil: "load" });
    await page.fill("#token", c.token);
    if (c.channel) await page.fill("#channel", c.channel);
    if (c.userKind) await page.selectOption("#userKind", c.userKind);
    if (c.user) await page.fill("#user", c.user);
    if (c.role) await page.selectOption("#role", c.role);
    if (c.rtmUserId) await page.fill("#rtmUserId", c.rtmUserId);
    await page.click("#check");
    await page.waitForSelector("#result:not([hidden]) #verdict:not(:empty)", { timeout: 10000 });
    const shown = await page.evaluate(() => ({
      verdict: document.getElementById("verdict").textContent,
      checks: [...document.querySelectorAll("#problems li")].map((li) => li.dataset.check),
      messages: [...document.querySelectorAll("#problems li")].map((li) => li.textContent),
      bars: document.querySelectorAll("#lifetimes svg rect").length,
      rows: document.querySelectorAll("#services tbody tr").length,
    }));
    if (input.screenshot && i === 0) await page.screenshot({ path: input.screenshot, fullPage: true });
    results.push({ ...shown, consoleErrors });
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results));
