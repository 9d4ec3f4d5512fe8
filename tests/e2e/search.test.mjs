// Browser test of the web app: playwright-core drives Debian's chromium (never a
// downloaded browser). For each language the page offers, a passenger picks stations
// from the autocomplete, searches Vientiane -> Luang Prabang and opens a train's
// timetable; the test checks the translated page, the local times with their zones,
// and keeps a screenshot of each language as an artifact.
//   node search.test.mjs BASE_URL ARTIFACT_DIR
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error('usage: node search.test.mjs BASE_URL ARTIFACT_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const LANGS = {
  en: { from: 'Vientiane', to: 'Luang Prabang', title: 'Train timetable' },
  lo: { from: 'ວຽງຈັນ', to: 'ຫລວງພະບາງ' },
  zh: { from: '万象', to: '琅勃拉邦' },
};

const browser = await chromium.launch({
  executablePath: process.env.LX_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
  }
}

try {
  // a phone-sized window: the app must be usable on a phone
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
  for (const [lang, q] of Object.entries(LANGS)) {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base, { waitUntil: 'networkidle' });
    await check(`${lang}: the language switch marks ${lang}`, async () => {
      await page.click(`button.lang[data-lang="${lang}"]`);
      // the dictionary loads asynchronously: wait until the page says it switched
      await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5000 });
      assert.equal(await page.getAttribute(`button.lang[data-lang="${lang}"]`, 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      if (q.title) assert.equal((await page.textContent('#title')).trim(), q.title);
    });
    for (const [field, name] of [['from', q.from], ['to', q.to]]) {
      await check(`${lang}: autocomplete offers ${name} for ${field}`, async () => {
        await page.fill(`#${field}`, name);
        const option = page.locator(`#${field}-list [role="option"]`).first();
        await option.waitFor({ state: 'visible', timeout: 5000 });
        await option.click();
      });
    }
    await page.fill('#date', '2026-12-20');
    await check(`${lang}: the search lists trains with local times and zones`, async () => {
      await page.click('#go');
      await page.locator('#trains li.train').first().waitFor({ timeout: 5000 });
      const n = await page.locator('#trains li.train').count();
      assert.ok(n >= 3, `${n} trains`);
      const row = (await page.locator('#trains li.train').first().textContent()) || '';
      assert.match(row, /\d\d:\d\d/);
      assert.match(row, /UTC\+7/);
    });
    await check(`${lang}: a train's timetable opens`, async () => {
      const btn = page.locator('#trains button.train-row').first();
      await btn.click();
      assert.equal(await btn.getAttribute('aria-expanded'), 'true');
    });
    await page.screenshot({ path: `${artifacts}/search-${lang}.png`, fullPage: true });
    await check(`${lang}: no script error`, async () => assert.deepEqual(errors, []));
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
