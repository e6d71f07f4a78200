// The docs page as a person meets it: /api/docs opened in Debian's headless
// Chromium (no downloaded browser, flags for a closed network). Swagger UI
// must render and list every operation of the document Lingo serves; a
// screenshot is kept in test/artifacts/ for a person to look at.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const baseUrl = process.env.LINGO_URL;
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = join(dirname(fileURLToPath(import.meta.url)), "..", "artifacts");
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

test("every operation of the document is listed on /api/docs", async (t) => {
  assert.ok(baseUrl, "LINGO_URL is not set: run with make test-browser");
  const doc = await (await fetch(new URL("/api/openapi.json", baseUrl))).json();
  const want = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of methods) {
      if (item[m]) want.push(`${m.toUpperCase()} ${path}`);
    }
  }
  assert.ok(want.length > 10, `the document lists operations: ${want.length}`);

  const profile = mkdtempSync(join(tmpdir(), "lingo-chromium-"));
  t.after(() => rmSync(profile, { recursive: true, force: true }));
  // Playwright adds --headless itself; the other flags keep Chromium off the
  // network (no component updates, sync, QUIC or background requests).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  t.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const outside = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["127.0.0.1", "localhost"].includes(u.hostname) && u.protocol.startsWith("http")) outside.push(r.url());
  });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  const response = await page.goto(new URL("/api/docs", baseUrl).toString(), { waitUntil: "load" });
  assert.equal(response?.status(), 200);
  await page.waitForSelector(".swagger-ui .info .title", { timeout: 20000 });
  await page.waitForSelector(".opblock", { timeout: 20000 });
  const title = (await page.textContent(".swagger-ui .info .title")) ?? "";
  assert.match(title, /Lingo API/);

  // An operation with several tags is listed once under each; the set is what counts.
  const listed = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => {
      const method = b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
      const pathEl = b.querySelector(".opblock-summary-path");
      const path = pathEl?.getAttribute("data-path") ?? pathEl?.textContent?.replace(/\u200b/g, "").trim() ?? "";
      return `${method.toUpperCase()} ${path}`;
    }),
  );
  const shown = new Set(listed);
  const missing = want.filter((op) => !shown.has(op));
  assert.deepEqual(missing, [], `operations not listed on the page (listed: ${[...shown].sort().join(", ")})`);
  const extra = [...shown].filter((op) => !want.includes(op));
  assert.deepEqual(extra, [], "the page lists nothing the document does not");

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, "docs.png"), fullPage: true });
  await page.screenshot({ path: join(artifacts, "docs-top.png") });
  assert.deepEqual(pageErrors, [], "the page runs without script errors");
  assert.deepEqual(outside, [], "the page loads nothing from outside the server (it works offline)");
  t.diagnostic(`${want.length} operations listed; screenshot in test/artifacts/docs.png`);
});
