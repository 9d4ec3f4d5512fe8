// Browser test of journeys with changes (issue 6, web/journeys.js): a passenger ticks
// "With changes", searches Vientiane -> Kunming (no train runs through: the planner
// changes at Mohan, after the border), sees the change with its waiting time and the
// border control, books the journey with one passenger form (every train held at
// once), pays, and gets an e-ticket for each train; in "My orders" the paid journey is
// refunded as one ("Refund journey": each train's fee and amount, the totals in kip and
// yuan, confirmed; both legs then show "refunded" with their fee). The server's clock is
// fixed by run.sh (LANXANG_NOW, the day before). Screenshots are kept as artifacts.
//   node plan.test.mjs BASE_URL ARTIFACT_DIR
import assert from 'node:assert/strict';
import { testArgs, launch, phoneContext, check, finish, switchLang, chooseStation } from './harness.mjs';

const { base, artifacts } = testArgs('plan.test.mjs');
const browser = await launch();

try {
  const ctx = await phoneContext(browser);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base, { waitUntil: 'networkidle' });
  await switchLang(page, 'en');

  await check('"With changes" shows the time and class of a journey search', async () => {
    assert.equal(await page.isVisible('#time'), false);
    await page.check('#changes');
    assert.equal(await page.isVisible('#time'), true);
    assert.equal(await page.isVisible('#jclass'), true);
  });

  await chooseStation(page, 'from', 'Vientiane');
  await chooseStation(page, 'to', 'Kunming');
  await page.fill('#date', '2026-12-20');
  await page.fill('#time', '06:00');
  await page.selectOption('#jclass', 'second');

  const journey = page.locator('[data-testid="journey"]', {
    has: page.locator('[data-testid="change"][data-border="true"]'),
  }).first();
  await check('the search lists a journey with a change at Mohan and its border control', async () => {
    await page.click('#go');
    await journey.waitFor({ timeout: 10000 });
    const change = journey.locator('[data-testid="change"]').first();
    const text = (await change.textContent()) || '';
    assert.match(text, /Change at Mohan/);
    assert.match(text, /wait \d+ h \d+ min \(at least 1 h 10 min\)/);
    assert.match(await change.locator('[data-testid="border"]').textContent(), /Border control at Mohan/);
    const legs = journey.locator('[data-testid="leg"]');
    assert.equal(await legs.count(), 2);
    assert.match((await legs.nth(0).textContent()) || '', /D88.*Vientiane.*UTC\+7.*Mohan.*UTC\+8/);
    assert.match((await legs.nth(1).textContent()) || '', /Kunming/);
  });
  await page.screenshot({ path: `${artifacts}/plan-journeys.png`, fullPage: true });

  await check('booking the journey holds a seat on both trains', async () => {
    await journey.locator('[data-testid="book-journey"]').click();
    await page.locator('#journey-booking h2').waitFor({ timeout: 5000 });
    await page.fill('#j0-name', 'Bounmy Vongsa');
    await page.fill('#j0-document', 'PE2E98765');
    await page.click('[data-testid="hold-journey"]');
    await page.locator('[data-testid="countdown"]').waitFor({ timeout: 10000 });
    const held = page.locator('[data-testid="held-leg"]');
    assert.equal(await held.count(), 2);
    assert.match((await held.nth(0).textContent()) || '', /D88/);
    assert.match((await page.textContent('[data-testid="journey-ref"]')) || '', /[0-9A-Z]{13}/);
  });
  await page.screenshot({ path: `${artifacts}/plan-held.png`, fullPage: true });

  await check('paying shows two e-tickets with their QR codes', async () => {
    await page.click('[data-testid="pay-journey"]');
    await page.locator('[data-testid="ticket"]').first().waitFor({ timeout: 10000 });
    const tickets = page.locator('[data-testid="ticket"]');
    assert.equal(await tickets.count(), 2);
    assert.match((await tickets.nth(0).textContent()) || '', /D88/);
    assert.match((await tickets.nth(1).textContent()) || '', /Mohan/);
    const ok = await page.locator('#journey-booking img.qr-img').evaluateAll((imgs) =>
      imgs.every((i) => i.complete && i.naturalWidth > 0));
    assert.ok(ok, 'a QR image did not load');
  });
  await page.screenshot({ path: `${artifacts}/plan-tickets.png`, fullPage: true });

  await check('zh: the journey list is translated', async () => {
    await page.click('[data-testid="back"]');
    await switchLang(page, 'zh');
    await journey.waitFor({ timeout: 5000 });
    assert.match((await journey.locator('[data-testid="change"]').first().textContent()) || '', /磨憨边检/);
  });
  await check('my orders: the paid journey is refunded as one, after seeing each train\'s fee', async () => {
    await switchLang(page, 'en');
    await page.click('#orders-open');
    await page.locator('#orders[aria-busy="false"]').waitFor({ timeout: 5000 });
    const legs = page.locator('#orders li[data-testid="order"]');
    assert.equal(await legs.count(), 2, 'the two legs are listed');
    const first = legs.first();
    assert.equal(await first.getAttribute('data-state'), 'confirmed', 'the first leg is paid');
    assert.equal(await first.locator('[data-testid="order-refund"]').count(), 0, 'no single refund');
    await first.locator('[data-testid="order-refund-journey"]').click();
    const offerLegs = first.locator('[data-testid="refund-leg"]');
    await offerLegs.first().waitFor({ timeout: 5000 });
    assert.equal(await offerLegs.count(), 2, 'the offer shows both legs');
    const leg1 = (await offerLegs.nth(0).textContent()) || '';
    // an amount in kip or in yuan, as the locale writes it ("LAK 65,000", "CN¥19")
    const kip = '[^·+]*(₭|LAK)[^·+]*\\d', yuan = '[^·+]*(¥|CNY)[^·+]*\\d';
    assert.match(leg1, new RegExp(`^Train 1: D88 · Refund fee${kip} · You get back${kip}$`), leg1);
    const leg2 = (await offerLegs.nth(1).textContent()) || '';
    assert.match(leg2, new RegExp(`^Train 2: D8816 · Refund fee${yuan} · You get back${yuan}$`), leg2);
    // the totals: kip + yuan
    for (const k of ['refund-fee', 'refund-amount']) {
      const total = (await first.locator(`[data-testid="${k}"]`).textContent()) || '';
      assert.match(total, new RegExp(`^${kip} \\+${yuan}$`), total);
    }
    assert.match((await first.locator('.confirm-q').textContent()) || '', /whole journey/);
    await page.screenshot({ path: `${artifacts}/plan-refund-offer.png`, fullPage: true });
    await first.locator('[data-testid="confirm-yes"]').click();
    await page.locator('#orders li[data-testid="order"][data-state="refunded"]').nth(1).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#orders [data-testid="order-refund-fee"]').count(), 2, 'both legs keep a fee');
    assert.match((await page.textContent('[data-testid="orders-notes"]')) || '', /whole journey of booking .* is refunded/);
  });
  await page.screenshot({ path: `${artifacts}/plan-refunded.png`, fullPage: true });
  await check('no script error', async () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
}
finish();
