// Browser test of the booking flow: playwright-core drives Debian's chromium (never a
// downloaded browser). For each language the page offers, a passenger searches
// Vientiane -> Luang Prabang a few days ahead, books a second-class seat for one
// passenger, watches the hold's countdown, pays at the counter and gets the e-ticket
// with its seat and QR payload; the test then scans that payload at the gate endpoint
// (accepted, or refused as outside its time window: the train may be days away) and a
// tampered copy of it (always refused). A screenshot of each language is kept.
//   node booking.test.mjs BASE_URL ARTIFACT_DIR
import assert from 'node:assert/strict';
import { testArgs, launch, phoneContext, check, finish, switchLang, chooseStation } from './harness.mjs';

const { base, artifacts } = testArgs('booking.test.mjs');

const LANGS = {
  en: { from: 'Vientiane', to: 'Luang Prabang', name: 'Somchai Phommachanh', doc: 'P1234567' },
  lo: { from: 'ວຽງຈັນ', to: 'ຫລວງພະບາງ', name: 'ສົມໃຈ ພົມມະຈັນ', doc: 'P2345678' },
  zh: { from: '万象', to: '琅勃拉邦', name: '王小明', doc: 'E12345678' },
};

// the server sells by its real clock: travel 2 days from now (local date)
function travelDate(days) {
  const d = new Date(Date.now() + days * 86400000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
const DATE = travelDate(2);

const seconds = (s) => {
  const m = /(\d{1,2}):(\d\d)/.exec(s || '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

async function scan(payload) {
  const res = await fetch(new URL('api/v1/gate/scan', base), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ payload }),
  });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body };
}

// another character in the middle of the payload: the signature no longer fits
function tamper(payload) {
  const i = Math.floor(payload.length / 2);
  const c = payload[i] === 'A' ? 'B' : 'A';
  return payload.slice(0, i) + c + payload.slice(i + 1);
}

const browser = await launch();

try {
  const ctx = await phoneContext(browser);
  for (const [lang, q] of Object.entries(LANGS)) {
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base, { waitUntil: 'networkidle' });
    await switchLang(page, lang);
    for (const [field, name] of [['from', q.from], ['to', q.to]]) await chooseStation(page, field, name);
    await page.fill('#date', DATE);

    await check(`${lang}: each train shows its classes with free seats, price and a Book button`, async () => {
      await page.click('#go');
      const cls = page.locator('#trains li.train .class-offer[data-class="second"]').first();
      await cls.waitFor({ timeout: 5000 });
      const text = (await cls.textContent()) || '';
      assert.match(text, /\d/);
      assert.match(text, /₭|LAK/);
      assert.equal(await cls.locator('button.book-btn').isEnabled(), true);
    });

    await check(`${lang}: booking second class for one passenger shows the hold`, async () => {
      await page.locator('#trains .class-offer[data-class="second"] button.book-btn').first().click();
      await page.locator('#booking [data-testid="passenger-name"]').first().waitFor({ timeout: 5000 });
      // the form's heading takes the focus
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'booking-title');
      // the fields are labelled
      assert.ok((await page.locator('#booking label[for="p0-name"]').textContent()).trim().length > 0);
      await page.fill('#p0-name', q.name);
      await page.fill('#p0-document', q.doc);
      await page.click('#booking [data-testid="hold"]');
      await page.locator('#booking [data-testid="countdown"]').waitFor({ timeout: 5000 });
      const seat = (await page.locator('#booking .seat').first().textContent()) || '';
      assert.match(seat, /^\d\d-\d\d[A-F]$/);
    });

    await check(`${lang}: the countdown shows mm:ss and goes down`, async () => {
      const clock = page.locator('#booking [data-testid="countdown"]');
      assert.equal(await clock.getAttribute('role'), 'timer');
      assert.equal(await page.locator('#countdown-live').getAttribute('aria-live'), 'polite');
      const a = (await clock.textContent()) || '';
      assert.match(a, /\d{1,2}:\d\d/);
      await page.waitForTimeout(2200);
      const b = (await clock.textContent()) || '';
      assert.match(b, /\d{1,2}:\d\d/);
      assert.ok(seconds(b) < seconds(a), `${a} -> ${b}`);
      assert.ok(seconds(a) > 60, `only ${a} left`);
    });

    let payload = '';
    await check(`${lang}: paying at the counter gives the e-ticket with seat and QR payload`, async () => {
      await page.click('#booking [data-testid="pay-counter"]');
      const ticket = page.locator('#booking [data-testid="ticket"]').first();
      await ticket.waitFor({ timeout: 5000 });
      const text = (await ticket.textContent()) || '';
      assert.match(text, /\d\d-\d\d[A-F]/);
      assert.ok(text.includes(q.name), 'the passenger name is on the ticket');
      assert.match(text, /C\d+|D\d+|K\d+/);
      assert.match(text, /\d\d:\d\d/);
      payload = ((await ticket.locator('[data-testid="qr-payload"]').textContent()) || '').trim();
      assert.match(payload, /^[A-Za-z0-9_-]{40,}$/);
    });
    await page.screenshot({ path: `${artifacts}/booking-${lang}.png`, fullPage: true });

    await check(`${lang}: the gate takes the ticket (or refuses it only for its time window)`, async () => {
      assert.ok(payload, 'no payload');
      const r = await scan(payload);
      assert.ok(r.status === 200 || r.status === 422, `status ${r.status}`);
      if (r.status === 200) assert.equal(r.body.result, 'accepted');
      else assert.ok(['too_early', 'too_late'].includes(r.body.result), `result ${r.body.result}`);
    });
    await check(`${lang}: the gate refuses a tampered payload`, async () => {
      const r = await scan(tamper(payload));
      assert.equal(r.status, 422);
      assert.equal(r.body.accepted, false);
    });
    await check(`${lang}: no script error`, async () => assert.deepEqual(errors, []));
    await page.close();
  }

  // cancelling a provisional booking frees it (once, in English)
  await check('en: a provisional booking can be cancelled', async () => {
    const page = await ctx.newPage();
    await page.goto(`${base}?from=Vientiane&to=Luang%20Prabang&date=${DATE}&lang=en`, { waitUntil: 'networkidle' });
    await page.locator('#trains .class-offer[data-class="second"] button.book-btn').first().click();
    await page.fill('#p0-name', 'Cancel Me');
    await page.fill('#p0-document', 'X1234');
    await page.click('#booking [data-testid="hold"]');
    await page.locator('#booking [data-testid="cancel"]').click();
    await page.locator('#booking h2', { hasText: 'cancelled' }).waitFor({ timeout: 5000 });
    await page.close();
  });
} finally {
  await browser.close();
}
finish();
