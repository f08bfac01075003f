// Renders HTML statements in a real browser (Debian's Chromium, headless, driven by puppeteer-core) and
// reports what a reader would meet: a page that fails to load, a script error, a console error or
// warning, a request for anything outside the file itself (the pages must be self-contained), a script
// element, an empty title or an empty screenshot.
//
// Usage: node render.mjs CHROMIUM OUT_DIR FILE.html...   (one PNG per page into OUT_DIR; exit 1 on any problem)
import { writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const [chromium, outDir, ...files] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const problems = [];
let rendered = 0;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 900 });
  let current = "";
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warn") problems.push(`${current}: console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${current}: script error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`${current}: request failed: ${r.url()}`));
  page.on("request", (r) => {
    if (r.url() !== pathToFileURL(resolve(current)).href) problems.push(`${current}: fetches ${r.url()} (a statement must be self-contained)`);
  });
  for (const file of files) {
    current = file;
    const response = await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load" });
    if (!response || !response.ok()) problems.push(`${file}: did not load`);
    const facts = await page.evaluate(() => ({
      title: document.title,
      scripts: document.querySelectorAll("script").length,
      height: document.body.scrollHeight,
      text: document.body.innerText.length,
    }));
    if (!facts.title) problems.push(`${file}: no title`);
    if (facts.scripts) problems.push(`${file}: has ${facts.scripts} script element(s)`);
    if (facts.text < 20 || facts.height < 50) problems.push(`${file}: renders (almost) nothing: ${JSON.stringify(facts)}`);
    const png = await page.screenshot({ fullPage: true, type: "png" });
    if (png.length < 2000) problems.push(`${file}: a ${png.length}-byte screenshot`);
    writeFileSync(join(outDir, basename(file).replace(/\.html$/, ".png")), png);
    // Printable: the print layout must lay out too (a statement is mailed or filed as PDF). Every
    // tenth page: printing is the slow part, and the pages share one layout.
    if (rendered % 10 === 0) {
      const pdf = await page.pdf({ format: "A4" });
      if (pdf.length < 1000) problems.push(`${file}: a ${pdf.length}-byte PDF`);
    }
    rendered++;
  }
} finally {
  await browser.close();
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`${rendered} of ${files.length} statements rendered by Chromium, ${problems.length} problem(s)`);
process.exit(problems.length || rendered !== files.length ? 1 : 0);
