// Browser test of the web app: playwright-core drives Debian's chromium (never a
// downloaded browser). For each language the page offers, a passenger picks stations
// from the autocomplete, searches Vientiane -> Luang Prabang and opens a train's
// timetable; the test checks the translated page, the local times with their zones,
// and keeps a screenshot of each language as an artifact.
//   node search.test.mjs BASE_URL ARTIFACT_DIR
import assert from 'node:assert/strict';
import { testArgs, launch, phoneContext, check, finish, switchLang, chooseStation } from './harness.mjs';

const { base, artifacts } = testArgs('search.test.mjs');

const LANGS = {
  en: { from: 'Vientiane', to: 'Luang Prabang', title: 'Train timetable' },
  lo: { from: 'ວຽງຈັນ', to: 'ຫລວງພະບາງ' },
  zh: { from: '万象', to: '琅勃拉邦' },
};

const browser = await launch();

try {
  const ctx = await phoneContext(browser);
  for (const [lang, q] of Object.entries(LANGS)) {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base, { waitUntil: 'networkidle' });
    await check(`${lang}: the language switch marks ${lang}`, async () => {
      await switchLang(page, lang);
      assert.equal(await page.getAttribute(`button.lang[data-lang="${lang}"]`, 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      if (q.title) assert.equal((await page.textContent('#title')).trim(), q.title);
    });
    for (const [field, name] of [['from', q.from], ['to', q.to]]) {
      await check(`${lang}: autocomplete offers ${name} for ${field}`, async () => {
        await chooseStation(page, field, name);
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
finish();
