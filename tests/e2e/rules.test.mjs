// Browser test of the passenger rules in the booking app (issue 5, acceptance 2):
// fares by passenger, a change, a refund fee, and the waitlist. The server's clock is
// fixed by run.sh (LANXANG_NOW = Saturday 2026-12-19 06:00 in Vientiane).
//
// 1. Vientiane -> Luang Prabang, C90 (12:30) second class on 2026-12-21: an adult, a
//    child (born 2017) and a student. The fare quote shows the child at 50%, the student
//    at 75% rounded to 1,000 kip, and a total that is the booking's price; a child
//    without a birth date and a child too old are refused (the latter naming the rule).
//    Paid at the counter.
// 2. My orders changes it to C84 (16:00) on 2026-12-20: the new booking is confirmed
//    with changed_from, the old one shows "changed"; a second change is refused (rule
//    one_change), in the page's language.
// 3. The new booking is refunded: the fee shown before and after is the refund offer's,
//    which counts from the earlier departure of the two (C84 on 12-20 16:00, 34 hours
//    ahead: 10%, rounded to 1,000 kip), not the original's 54.5 hours (5%).
// 4. Business class of C90 on 2026-12-21 and of C84 on 2026-12-20 is filled over the
//    API (holds of 3 passengers); the app joins the waitlist from C90's "Join the
//    waitlist" with C84 the day before as a second choice; one hold on C84 is cancelled over the API, and the app (by its
//    polling) shows the request fulfilled with a booking on C84, also in My orders.
// Screenshots are kept as artifacts.
//   node rules.test.mjs BASE_URL ARTIFACT_DIR
import assert from 'node:assert/strict';
import { testArgs, launch, phoneContext, check, finish, switchLang } from './harness.mjs';

const { base, artifacts } = testArgs('rules.test.mjs');

const FROM = 'Vientiane';
const TO = 'Luang Prabang';
const NOW = Date.parse('2026-12-19T06:00:00+07:00');
const BOOK = { date: '2026-12-21', train: 'C90', cls: 'second' };
const CHANGE = { date: '2026-12-20', train: 'C84', dep: '2026-12-20T16:00:00+07:00' };
const ORIGINAL_DEP = '2026-12-21T12:30:00+07:00';
const WAIT = { first: 'C90', date: '2026-12-21', second: 'C84', date2: '2026-12-20', cls: 'business' };
const RUN = Date.now().toString(36).slice(-5).toUpperCase(); // fresh document numbers

async function api(method, path, body) {
  const res = await fetch(new URL(`api/v1/${path}`, base), {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body: data };
}

// the refund fee by the time before departure (the defaults of issue 5), to 1,000 kip
function expectedFee(price, departureIso) {
  const h = (Date.parse(departureIso) - NOW) / 3600e3;
  const pct = h >= 192 ? 0 : h >= 48 ? 5 : h >= 24 ? 10 : 20;
  return Math.round((price * pct) / 100 / 1000) * 1000;
}

const offerRow = (page, train, cls) => page.locator(`#trains li.train[data-train="${train}"] .class-offer[data-class="${cls}"]`);

async function searchByUrl(page, date, lang = 'en') {
  const q = new URLSearchParams({ from: FROM, to: TO, date, lang });
  await page.goto(`${base}?${q}`, { waitUntil: 'networkidle' });
  await page.locator('#trains li.train').first().waitFor({ timeout: 5000 });
}

async function openOrders(page) {
  await page.click('#orders-open');
  await page.locator('#orders[aria-busy="false"]').waitFor({ timeout: 5000 });
  await page.locator('#orders li[data-testid="order"]').first().waitFor({ timeout: 5000 });
}

const orderItem = (page, id) => page.locator(`#orders li[data-testid="order"][data-id="${id}"]`);
const shot = (page, name) => page.screenshot({ path: `${artifacts}/rules-${name}.png`, fullPage: true });

const browser = await launch();
const errors = [];
const s = {}; // what the steps pass on

try {
  const ctx = await phoneContext(browser);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));

  // ---- 1. fares ----
  await check('the form has a fare type per passenger; child and infant need a birth date', async () => {
    await searchByUrl(page, BOOK.date);
    await offerRow(page, BOOK.train, BOOK.cls).locator('button.book-btn').click();
    await page.locator('#p0-name').waitFor({ timeout: 5000 });
    const opts = await page.locator('#p0-fare_type option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(opts, ['adult', 'child', 'infant', 'student']);
    assert.equal(await page.locator('label[for="p0-fare_type"]').textContent(), 'Fare type');
    assert.equal(await page.locator('#p0-birth_date').getAttribute('aria-required'), null);
    await page.selectOption('#p0-fare_type', 'child');
    assert.equal(await page.locator('#p0-birth_date').getAttribute('aria-required'), 'true');
    assert.match(await page.locator('label[for="p0-birth_date"]').textContent(), /required/);
    await page.selectOption('#p0-fare_type', 'adult');
  });

  await check('a child without a birth date is stopped before the hold', async () => {
    await page.fill('#p0-name', 'Khamla Vongsa');
    await page.fill('#p0-document', `A${RUN}01`);
    await page.click('#booking [data-testid="add-passenger"]');
    await page.fill('#p1-name', 'Noy Vongsa');
    await page.fill('#p1-document', `A${RUN}02`);
    await page.selectOption('#p1-fare_type', 'child');
    await page.click('#booking [data-testid="hold"]');
    const err = page.locator('#booking [data-testid="book-error"]');
    await err.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await err.textContent(), /date of birth/);
    assert.equal(await page.locator('#p1-birth_date').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'p1-birth_date');
  });

  await check('a child too old for the child fare: the quote names the rule, translated', async () => {
    await page.fill('#p1-birth_date', '2000-03-04');
    const qe = page.locator('#booking [data-testid="quote-error"]');
    await qe.waitFor({ timeout: 5000 });
    assert.equal(await qe.getAttribute('data-rule'), 'child_age');
    assert.match(await qe.textContent(), /under 14.*\(Rule: child age\)/);
    // the birth date being corrected took the earlier error away
    assert.equal(await page.locator('#booking [data-testid="book-error"]').isHidden(), true);
    assert.equal(await page.locator('#p1-birth_date').getAttribute('aria-invalid'), null);
    await switchLang(page, 'zh');
    assert.match(await qe.textContent(), /儿童票.*（规则：儿童年龄）/);
    await switchLang(page, 'en');
  });

  await check('the quote: adult 100%, child 50%, student 75% rounded to 1,000 kip, with notes and total', async () => {
    await page.fill('#p1-birth_date', '2017-05-01');
    await page.click('#booking [data-testid="add-passenger"]');
    await page.fill('#p2-name', 'Mali Vongsa');
    await page.fill('#p2-document', `A${RUN}03`);
    await page.selectOption('#p2-fare_type', 'student');
    const lines = page.locator('#booking [data-testid="quote-line"]');
    await page.waitForFunction(() => {
      const ls = [...document.querySelectorAll('#booking [data-testid="quote-line"]')];
      return ls.length === 3 && ls[2].dataset.fareType === 'student' && ls[1].dataset.fare === '175000';
    }, null, { timeout: 5000 });
    const got = await lines.evaluateAll((ls) => ls.map((l) => [l.dataset.fareType, l.dataset.percent, l.dataset.fare]));
    assert.deepEqual(got, [['adult', '100', '350000'], ['child', '50', '175000'], ['student', '75', '263000']]);
    assert.match(await lines.nth(1).locator('.quote-note').textContent(), /Child.*\(age 9\): 50% of LAK\s?350,000 = LAK\s?175,000/);
    assert.match(await lines.nth(2).locator('.quote-note').textContent(), /75% of .*= LAK\s?263,000 \(exactly LAK\s?262,500, rounded\)/);
    const total = page.locator('#booking [data-testid="quote-total"]');
    assert.equal(await total.getAttribute('data-price'), '788000');
    s.quote = 788000;
    await shot(page, 'quote');
    await switchLang(page, 'lo');
    assert.match(await lines.nth(1).locator('.quote-note').textContent(), /ອາຍຸ 9 ປີ.*50% ຂອງ/);
    assert.match(await page.locator('#booking [data-testid="quote-total"]').textContent(), /ລວມທັງໝົດ/);
    await shot(page, 'quote-lo');
    await switchLang(page, 'en');
  });

  await check('held and paid: the booking costs what the quote said', async () => {
    await page.click('#booking [data-testid="hold"]');
    await page.locator('#booking [data-testid="countdown"]').waitFor({ timeout: 5000 });
    s.orig = await page.getAttribute('#booking [data-testid="booking-ref"]', 'data-id');
    const b = (await api('GET', `bookings/${s.orig}`)).body;
    assert.equal(b.price, s.quote);
    assert.deepEqual(b.passengers.map((p) => [p.fare_type, p.fare]), [['adult', 350000], ['child', 175000], ['student', 263000]]);
    await page.click('#booking [data-testid="pay-counter"]');
    await page.locator('#booking [data-testid="ticket"]').first().waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#booking [data-testid="ticket"]').count(), 3);
  });

  // ---- 2. a change ----
  await check('My orders shows the passengers with fare types and fares', async () => {
    await openOrders(page);
    const pax = orderItem(page, s.orig).locator('[data-testid="order-passenger"]');
    assert.deepEqual(await pax.evaluateAll((ls) => ls.map((l) => [l.dataset.fareType, l.dataset.fare])),
      [['adult', '350000'], ['child', '175000'], ['student', '263000']]);
    assert.match(await pax.nth(2).textContent(), /Student/);
  });

  await check('a change to C84 on 12-20: the new booking is confirmed, the old one shows "changed"', async () => {
    const it = orderItem(page, s.orig);
    await it.locator('[data-testid="order-change"]').click();
    await page.fill(`#change-date-${s.orig}`, CHANGE.date);
    const pick = page.locator(`#change-pick-${s.orig}`);
    await page.waitForFunction((v) => [...document.querySelectorAll('[data-testid="change-pick"] option')].some((o) => o.value === v),
      `${CHANGE.train}|${CHANGE.date}|${BOOK.cls}`, { timeout: 5000 });
    await pick.selectOption(`${CHANGE.train}|${CHANGE.date}|${BOOK.cls}`);
    await shot(page, 'change');
    await it.locator('[data-testid="change-yes"]').click();
    await page.waitForFunction(() => document.querySelector('#orders [data-testid="orders-notes"]')?.textContent.includes('is changed to'), null, { timeout: 5000 });
    assert.equal(await it.getAttribute('data-state'), 'changed');
    assert.equal(await it.locator('[data-testid="order-state"]').textContent(), 'Changed');
    s.changed = await it.locator('[data-testid="order-changed-to"]').getAttribute('data-id');
    assert.ok(s.changed);
    const nb = orderItem(page, s.changed);
    assert.equal(await nb.getAttribute('data-state'), 'confirmed');
    assert.equal(await nb.locator('[data-testid="order-changed-from"]').getAttribute('data-id'), s.orig);
    assert.match(await nb.locator('h3').textContent(), new RegExp(`^${CHANGE.train} `));
    const b = (await api('GET', `bookings/${s.changed}`)).body;
    assert.equal(b.changed_from, s.orig);
    assert.equal(b.train, CHANGE.train);
    assert.equal(b.state, 'confirmed');
    s.price = b.price;
    await shot(page, 'changed');
  });

  await check('the changed_from link leads to the original booking', async () => {
    await orderItem(page, s.changed).locator('[data-testid="order-changed-from"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), `order-${s.orig}`);
  });

  await check('a second change is refused, naming the rule (one change)', async () => {
    const nb = orderItem(page, s.changed);
    await nb.locator('[data-testid="order-change"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="change-pick"] option').length > 0, null, { timeout: 5000 });
    await nb.locator('[data-testid="change-yes"]').click();
    const alert = nb.locator('[role="alert"]');
    await alert.waitFor({ timeout: 5000 });
    assert.match(await alert.textContent(), /changed only once.*\(Rule: one change\)/);
    assert.equal(await nb.getAttribute('data-state'), 'confirmed');
  });

  // ---- 3. the refund ----
  await check('the refund fee is the offer\'s: 10% from the earlier departure (34 h), not 5% from the original', async () => {
    const want = expectedFee(s.price, CHANGE.dep);
    assert.equal(want, 79000);
    assert.notEqual(want, expectedFee(s.price, ORIGINAL_DEP));
    const nb = orderItem(page, s.changed);
    await nb.locator('[data-testid="order-refund"]').click();
    const fee = nb.locator('[data-testid="refund-fee"]');
    await fee.waitFor({ timeout: 5000 });
    assert.match(await fee.textContent(), /79,000/);
    const offer = (await api('POST', `bookings/${s.changed}/refund-offers`)).body;
    assert.equal(offer.fee, want);
    await nb.locator('[data-testid="confirm-yes"]').click();
    await page.waitForFunction((id) => document.querySelector(`#orders li[data-id="${id}"]`)?.dataset.state === 'refunded', s.changed, { timeout: 5000 });
    assert.equal(await nb.locator('[data-testid="order-refund-fee"]').getAttribute('data-amount'), String(want));
    assert.equal(await nb.locator('[data-testid="order-refund-amount"]').getAttribute('data-amount'), String(s.price - want));
    const b = (await api('GET', `bookings/${s.changed}`)).body;
    assert.equal(b.refund_fee, want);
    assert.equal(b.refund_amount, s.price - want);
    await shot(page, 'refunded');
  });

  // ---- 4. the waitlist ----
  await check('setup: business class of C90 on 12-21 and C84 on 12-20 is sold out (holds over the API)', async () => {
    s.blockers = {};
    for (const [train, date] of [[WAIT.first, WAIT.date], [WAIT.second, WAIT.date2]]) {
      s.blockers[train] = [];
      for (let k = 0; k < 20; k++) {
        const r = await api('POST', 'bookings', {
          train, date, from: FROM, to: TO, class: WAIT.cls,
          passengers: [0, 1, 2].map((j) => ({ name: `Filler ${k}${j}`, document: `F${RUN}${train}${k}x${j}` })),
        });
        if (r.status === 409 || r.body?.error?.code === 'sold_out') break;
        assert.equal(r.status, 201, JSON.stringify(r.body));
        s.blockers[train].push(r.body.id);
      }
    }
    for (const [train, date] of [[WAIT.first, WAIT.date], [WAIT.second, WAIT.date2]]) {
      const offers = (await api('GET', `offers?${new URLSearchParams({ from: FROM, to: TO, date })}`)).body;
      const c = offers.find((o) => o.train === train).classes.find((x) => x.class === WAIT.cls);
      assert.equal(c.free, 0, `${train} ${WAIT.cls} still has ${c.free} seats`);
    }
  });

  await check('a sold-out class offers "Join the waitlist"; the request takes two choices', async () => {
    await searchByUrl(page, WAIT.date);
    const row = offerRow(page, WAIT.first, WAIT.cls);
    assert.equal(await row.locator('.class-free').textContent(), 'Sold out');
    await row.locator('[data-testid="join-waitlist"]').click();
    await page.locator('#w0-name').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#waitlist [data-testid="wait-choice"]').count(), 1);
    await page.fill('#wait-add-date', WAIT.date2);
    await page.click('#waitlist [data-testid="wait-find"]');
    const v = `${WAIT.second}|${WAIT.date2}|${WAIT.cls}`;
    await page.waitForFunction((x) => [...document.querySelectorAll('#wait-add-pick option')].some((o) => o.value === x), v, { timeout: 5000 });
    await page.selectOption('#wait-add-pick', v);
    await page.click('#waitlist [data-testid="wait-add"]');
    assert.equal(await page.locator('#waitlist [data-testid="wait-choice"]').count(), 2);
    await page.fill('#w0-name', 'Bounmy Keo');
    await page.fill('#w0-document', `W${RUN}01`);
    await page.waitForFunction(() => document.querySelector('#waitlist [data-testid="quote-total"]')?.dataset.price === '1050000', null, { timeout: 5000 });
    await shot(page, 'waitlist-form');
    await page.click('#waitlist [data-testid="wait-submit"]');
    const card = page.locator('#waitlist [data-testid="wait-request"]');
    await card.waitFor({ timeout: 5000 });
    assert.equal(await card.getAttribute('data-state'), 'open');
    assert.equal(await card.locator('[data-testid="wait-state"]').textContent(), 'Waiting for a seat');
    assert.match(await card.locator('[data-testid="wait-amount"]').textContent(), /1,050,000/);
    s.wait = await card.getAttribute('data-id');
    const r = (await api('GET', `waitlist/${s.wait}`)).body;
    assert.equal(r.state, 'open');
    assert.deepEqual(r.choices.map((c) => c.train), [WAIT.first, WAIT.second]);
    await shot(page, 'waitlist-open');
  });

  await check('a seat comes back on C84 (a hold cancelled over the API): the app shows the request fulfilled', async () => {
    const del = await api('DELETE', `bookings/${s.blockers[WAIT.second][0]}`);
    assert.equal(del.body?.state, 'cancelled');
    const card = page.locator('#waitlist [data-testid="wait-request"]');
    await page.waitForFunction(() => document.querySelector('#waitlist [data-testid="wait-request"]')?.dataset.state === 'fulfilled', null, { timeout: 8000 });
    assert.equal(await card.locator('[data-testid="wait-state"]').textContent(), 'Fulfilled: booked');
    s.waitBooking = await card.locator('[data-testid="wait-booking"]').getAttribute('data-id');
    const r = (await api('GET', `waitlist/${s.wait}`)).body;
    assert.equal(r.state, 'fulfilled');
    assert.equal(r.booking, s.waitBooking);
    assert.equal(r.fulfilled_choice, 1);
    const b = (await api('GET', `bookings/${s.waitBooking}`)).body;
    assert.equal(b.state, 'confirmed');
    assert.equal(b.train, WAIT.second);
    await shot(page, 'waitlist-fulfilled');
  });

  await check('My orders lists the fulfilled request and its booking', async () => {
    await openOrders(page);
    const w = page.locator(`#orders li[data-testid="wait-request"][data-id="${s.wait}"]`);
    await w.waitFor({ timeout: 5000 });
    assert.equal(await w.getAttribute('data-state'), 'fulfilled');
    assert.equal(await orderItem(page, s.waitBooking).getAttribute('data-state'), 'confirmed');
    await w.locator('[data-testid="wait-go-booking"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), `order-${s.waitBooking}`);
    await shot(page, 'orders');
  });

  await check('no script error', async () => {
    assert.deepEqual(errors, []);
  });
} finally {
  await browser.close();
}
finish();
