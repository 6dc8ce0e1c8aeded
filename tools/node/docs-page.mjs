// Opens the server's /docs page in Chromium as a reader would, and prints
// what the page showed as one JSON object: the API's title, the number of
// operations Swagger UI drew, and every request that failed and every
// console error (a blocked script or style, a Content-Security-Policy
// refusal). Run by e2e/docs_browser_test.go:
//   node docs-page.mjs URL CHROMIUM
import { chromium } from "playwright-core";

const [url, executablePath] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push("console: " + m.text());
  });
  page.on("pageerror", (e) => problems.push("script: " + e.message));
  page.on("requestfailed", (r) => problems.push("failed: " + r.url()));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(r.status() + ": " + r.url());
  });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector(".opblock", { timeout: 20000 });
  const title = (await page.textContent(".info .title")) ?? "";
  const operations = await page.locator(".opblock").count();
  console.log(JSON.stringify({ title, operations, problems }));
} finally {
  await browser.close();
}
