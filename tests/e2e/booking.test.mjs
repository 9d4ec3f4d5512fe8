// Browser test of the booking flow: playwright-core drives Debian's chromium (never a
// downloaded browser). The server's clock is fixed by run.sh (LANXANG_NOW =
// 2026-12-19T06:00+07:00), so the test never depends on today's date.
//
// For each language (en, lo, zh) a passenger searches Vientiane -> Luang Prabang on
// 2026-12-19, chooses second class on train C82 (08:30), opens the seat map and picks a
// window seat (in English by keyboard alone), enters name and document, holds it, sees
// the countdown go down, pays at the counter and gets the e-ticket with that seat and
// its QR image. "My orders" then cancels a second hold (its seat is free again in the
// seat map), refunds a confirmed booking, shows an e-ticket again and drops an id the
// server does not know; a hold whose countdown runs out offers to search again.
// Last, a second server over the same data directory with its clock 15 minutes before
// C82 leaves checks each language's ticket in at POST /api/v1/gate/scan: accepted the
// first time, 409 already used the second, and a tampered copy 422.
// Screenshots (seat map, e-ticket, My orders) are kept as artifacts.
//   node booking.test.mjs BASE_URL ARTIFACT_DIR      (LX_BIN and LX_DATA from run.sh)
import assert from 'node:assert/strict';
import {
  testArgs, launch, phoneContext, check, finish, switchLang, chooseStation, startServer,
} from './harness.mjs';

const { base, artifacts } = testArgs('booking.test.mjs');

const DATE = '2026-12-19';
const TRAIN = 'C82';
const GATE_NOW = '2026-12-19T08:15:00+07:00'; // 15 minutes before C82 leaves Vientiane

const LANGS = {
  en: {
    from: 'Vientiane', to: 'Luang Prabang', name: 'Somchai Phommachanh', doc: 'P1234567',
    seatAria: /^Coach \d+, seat \d\d[A-F], window, free$/,
  },
  lo: { from: 'ວຽງຈັນ', to: 'ຫລວງພະບາງ', name: 'ສົມໃຈ ພົມມະຈັນ', doc: 'P2345678', seatAria: /^ຕູ້ \d+, ບ່ອນນັ່ງ \d\d[A-F], / },
  zh: { from: '万象', to: '琅勃拉邦', name: '王小明', doc: 'E12345678', seatAria: /^\d+ 号车厢，座位 \d\d[A-F]，/ },
};

const offer = (page) => page.locator(`#trains li.train[data-train="${TRAIN}"] .class-offer[data-class="second"]`);

const seconds = (s) => {
  const m = /(\d{1,2}):(\d\d)/.exec(s || '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

async function scan(gate, payload) {
  const res = await fetch(new URL('api/v1/gate/scan', gate), {
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

async function newPage(ctx, errors) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

// search by the URL (the search form itself is tested per language below)
async function searchByUrl(page, lang = 'en') {
  const q = new URLSearchParams({ from: 'Vientiane', to: 'Luang Prabang', date: DATE, lang });
  await page.goto(`${base}?${q}`, { waitUntil: 'networkidle' });
  await offer(page).waitFor({ timeout: 5000 });
}

async function openForm(page) {
  await offer(page).locator('button.book-btn').click();
  await page.locator('#booking [data-testid="passenger-name"]').first().waitFor({ timeout: 5000 });
}

async function openSeatMap(page) {
  await page.check('#booking [data-testid="seat-mode-map"]');
  await page.locator('#booking .seatmap .seat-btn').first().waitFor({ timeout: 5000 });
}

async function holdAs(page, name, doc) {
  await page.fill('#p0-name', name);
  await page.fill('#p0-document', doc);
  await page.click('#booking [data-testid="hold"]');
  await page.locator('#booking [data-testid="countdown"]').waitFor({ timeout: 5000 });
  return page.getAttribute('#booking [data-testid="booking-ref"]', 'data-id');
}

async function payAtCounter(page) {
  await page.click('#booking [data-testid="pay-counter"]');
  await page.locator('#booking [data-testid="ticket"]').first().waitFor({ timeout: 5000 });
}

async function openOrders(page) {
  await page.click('#orders-open');
  await page.locator('#orders h2').waitFor({ timeout: 5000 });
  await page.locator('#orders[aria-busy="false"]').waitFor({ timeout: 5000 });
}

const orderItem = (page, id) => page.locator(`#orders li[data-testid="order"][data-id="${id}"]`);

const browser = await launch();
const tickets = {}; // lang -> {payload, seat, id}
let gate = null;

try {
  const ctx = await phoneContext(browser);
  for (const [lang, q] of Object.entries(LANGS)) {
    const errors = [];
    const page = await newPage(ctx, errors);
    await page.goto(base, { waitUntil: 'networkidle' });
    await switchLang(page, lang);
    for (const [field, name] of [['from', q.from], ['to', q.to]]) await chooseStation(page, field, name);
    await page.fill('#date', DATE);

    await check(`${lang}: ${TRAIN} shows second class with free seats, price in kip and a Book button`, async () => {
      await page.click('#go');
      await offer(page).waitFor({ timeout: 5000 });
      const text = (await offer(page).textContent()) || '';
      assert.match(text, /\d/);
      assert.match(text, /₭|LAK/);
      assert.equal(await offer(page).locator('button.book-btn').isEnabled(), true);
    });

    let seat = '';
    await check(`${lang}: the seat map opens with labelled seat buttons`, async () => {
      await openForm(page);
      // the form's heading takes the focus; the fields are labelled
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'booking-title');
      assert.ok((await page.locator('#booking label[for="p0-name"]').textContent()).trim().length > 0);
      await openSeatMap(page);
      const free = page.locator('#booking .seat-btn.is-window:not([disabled])').first();
      assert.match((await free.getAttribute('aria-label')) || '', q.seatAria);
      assert.equal(await free.getAttribute('aria-pressed'), 'false');
      assert.ok(await page.locator('#booking .coach-btn[aria-pressed="true"]').count() === 1);
    });

    if (lang === 'en') {
      await check('en: the seat map works by keyboard (arrows move, Space and Enter choose)', async () => {
        // the seats are one tab stop; Tab from the coach buttons lands on it
        const stop = page.locator('#booking .seat-btn[tabindex="0"]');
        assert.equal(await stop.count(), 1);
        await stop.focus();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('End'); // the last free seat of the row: a window seat
        seat = await page.evaluate(() => document.activeElement?.dataset.seat || '');
        assert.match(seat, /^\d\d-\d\d[A-F]$/);
        await page.keyboard.press('Space');
        const btn = page.locator(`#booking .seat-btn[data-seat="${seat}"]`);
        assert.equal(await btn.getAttribute('aria-pressed'), 'true');
        // the focus stays on the seat after the map redraws
        assert.equal(await page.evaluate(() => document.activeElement?.dataset.seat), seat);
        assert.match((await btn.getAttribute('aria-label')) || '', /, chosen$/);
        await page.keyboard.press('Enter');
        assert.equal(await btn.getAttribute('aria-pressed'), 'false');
        await page.keyboard.press('Enter');
        assert.equal(await btn.getAttribute('aria-pressed'), 'true');
        assert.ok(((await page.textContent('#booking [data-testid="seat-status"]')) || '').includes(seat));
      });
    } else {
      await check(`${lang}: a seat is chosen on the seat map (second coach, a window seat)`, async () => {
        const coaches = page.locator('#booking .coach-btn');
        if ((await coaches.count()) > 1) {
          await coaches.nth(1).click();
          assert.equal(await coaches.nth(1).getAttribute('aria-pressed'), 'true');
        }
        const btn = page.locator('#booking .seat-btn.is-window:not([disabled])').nth(2);
        seat = (await btn.getAttribute('data-seat')) || '';
        await btn.click();
        assert.equal(await page.getAttribute(`#booking .seat-btn[data-seat="${seat}"]`, 'aria-pressed'), 'true');
        assert.ok(((await page.textContent('#booking [data-testid="seat-status"]')) || '').includes(seat));
      });
    }
    await page.screenshot({ path: `${artifacts}/seatmap-${lang}.png`, fullPage: true });

    let id = '';
    await check(`${lang}: holding keeps the chosen seat ${seat || '(none)'}`, async () => {
      assert.ok(seat, 'no seat chosen');
      id = await holdAs(page, q.name, q.doc);
      assert.match(id || '', /^[0-9A-Z]{8,}$/);
      const held = ((await page.locator('#booking .seat').first().textContent()) || '').trim();
      assert.equal(held, seat);
    });

    await check(`${lang}: the countdown shows mm:ss and goes down`, async () => {
      const clock = page.locator('#booking [data-testid="countdown"]');
      assert.equal(await clock.getAttribute('role'), 'timer');
      assert.equal(await page.locator('#countdown-live').getAttribute('aria-live'), 'polite');
      const a = (await clock.textContent()) || '';
      assert.match(a, /\d{1,2}:\d\d/);
      assert.ok(seconds(a) > 25 * 60 && seconds(a) <= 30 * 60, `${a} left of a 30-minute hold`);
      await page.waitForTimeout(2200);
      const b = (await clock.textContent()) || '';
      assert.ok(seconds(b) < seconds(a), `${a} -> ${b}`);
    });

    await check(`${lang}: paying at the counter gives the e-ticket with the seat, the QR image and payload`, async () => {
      await payAtCounter(page);
      const ticket = page.locator('#booking [data-testid="ticket"]').first();
      const text = (await ticket.textContent()) || '';
      assert.ok(text.includes(seat), `seat ${seat} on the ticket`);
      assert.ok(text.includes(q.name), 'the passenger name is on the ticket');
      assert.ok(text.includes(TRAIN));
      assert.match(text, /08:30/);
      const img = ticket.locator('img[data-testid="qr-img"]');
      assert.ok(((await img.getAttribute('alt')) || '').includes(seat), 'the QR image has an alt text');
      await page.waitForFunction(() => {
        const i = document.querySelector('#booking [data-testid="qr-img"]');
        return i && i.complete && i.naturalWidth > 0;
      }, null, { timeout: 5000 });
      const payload = ((await ticket.locator('[data-testid="qr-payload"]').textContent()) || '').trim();
      assert.match(payload, /^[A-Za-z0-9_-]{40,}$/);
      assert.equal(await ticket.locator('details.qr-text').count(), 1);
      tickets[lang] = { payload, seat, id };
    });
    await page.screenshot({ path: `${artifacts}/eticket-${lang}.png`, fullPage: true });
    await check(`${lang}: no script error`, async () => assert.deepEqual(errors, []));
    await page.close();
  }

  // ---- My orders (in English; the bookings above are remembered by this browser) ----
  const errors = [];
  const page = await newPage(ctx, errors);
  let freed = '';
  let cancelId = '';
  await check('my orders: a held booking is cancelled after a confirmation', async () => {
    await searchByUrl(page);
    await openForm(page);
    await openSeatMap(page);
    const btn = page.locator('#booking .seat-btn:not([disabled])').first();
    freed = (await btn.getAttribute('data-seat')) || '';
    await btn.click();
    cancelId = await holdAs(page, 'Cancel Me', 'X1234');
    assert.equal(((await page.locator('#booking .seat').first().textContent()) || '').trim(), freed);
    await openOrders(page);
    assert.equal(await page.isHidden('#booking'), true);
    const item = orderItem(page, cancelId);
    assert.equal(await item.getAttribute('data-state'), 'provisional');
    for (const lang of Object.keys(LANGS)) {
      if (tickets[lang]) assert.equal(await orderItem(page, tickets[lang].id).getAttribute('data-state'), 'confirmed');
    }
    assert.ok(((await item.locator('[data-testid="order-seats"]').textContent()) || '').includes(freed));
    await item.locator('[data-testid="order-cancel"]').click();
    // nothing happens before the confirmation; "No" keeps it
    await item.locator('[data-testid="confirm-no"]').click();
    assert.equal(await item.getAttribute('data-state'), 'provisional');
    await item.locator('[data-testid="order-cancel"]').click();
    const yes = item.locator('[data-testid="confirm-yes"]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'confirm-yes');
    await yes.click();
    await page.locator(`#orders li[data-id="${cancelId}"][data-state="cancelled"]`).waitFor({ timeout: 5000 });
    assert.match((await page.textContent('#orders [data-testid="orders-notes"]')) || '', /cancelled/);
  });
  await page.screenshot({ path: `${artifacts}/myorders-cancelled.png`, fullPage: true });

  await check('my orders: the cancelled seat is free again on the seat map', async () => {
    await page.click('#orders [data-testid="orders-close"]');
    await openForm(page);
    await openSeatMap(page);
    await page.click(`#booking .coach-btn[data-coach="${Number(freed.slice(0, 2))}"]`);
    const btn = page.locator(`#booking .seat-btn[data-seat="${freed}"]`);
    assert.equal(await btn.isEnabled(), true, `${freed} is free`);
    assert.match((await btn.getAttribute('aria-label')) || '', /, free$/);
  });

  await check('my orders: a confirmed booking is refunded after seeing the fee and the amount', async () => {
    // any seat, with a wish for the aisle
    await page.check('#booking [data-testid="seat-mode-any"]');
    await page.selectOption('#booking [data-testid="seat-pref"]', 'aisle');
    const id = await holdAs(page, 'Refund Me', 'R98765');
    await payAtCounter(page);
    await openOrders(page);
    const item = orderItem(page, id);
    assert.equal(await item.getAttribute('data-state'), 'confirmed');
    await item.locator('[data-testid="order-refund"]').click();
    const fee = (await item.locator('[data-testid="refund-fee"]').textContent()) || '';
    const amount = (await item.locator('[data-testid="refund-amount"]').textContent()) || '';
    assert.match(fee, /\d.*(₭|LAK)|(₭|LAK).*\d/);
    assert.match(amount, /\d.*(₭|LAK)|(₭|LAK).*\d/);
    await page.screenshot({ path: `${artifacts}/myorders-refund-offer.png`, fullPage: true });
    await item.locator('[data-testid="confirm-yes"]').click();
    await page.locator(`#orders li[data-id="${id}"][data-state="refunded"]`).waitFor({ timeout: 5000 });
  });
  await page.screenshot({ path: `${artifacts}/myorders.png`, fullPage: true });

  await check('my orders: the e-ticket of a confirmed booking opens again', async () => {
    const t = tickets.en;
    assert.ok(t, 'no English booking');
    await orderItem(page, t.id).locator('[data-testid="order-tickets"]').click();
    const ticket = page.locator('#booking [data-testid="ticket"]').first();
    await ticket.waitFor({ timeout: 5000 });
    assert.ok(((await ticket.textContent()) || '').includes(t.seat));
    assert.equal(((await ticket.locator('[data-testid="qr-payload"]').textContent()) || '').trim(), t.payload);
    await page.click('#booking [data-testid="back"]');
    await page.locator('#orders h2').waitFor({ timeout: 5000 });
  });

  await check('my orders: an id the server does not know leaves the list with a note', async () => {
    await page.evaluate(() => {
      const ids = JSON.parse(localStorage.getItem('lanxang.orders') || '[]');
      localStorage.setItem('lanxang.orders', JSON.stringify(['ZZZZZZZZZZZZZ', ...ids]));
    });
    await page.click('#orders [data-testid="orders-close"]');
    await openOrders(page);
    assert.match((await page.textContent('#orders [data-testid="orders-notes"]')) || '', /ZZZZZZZZZZZZZ/);
    assert.equal(await orderItem(page, 'ZZZZZZZZZZZZZ').count(), 0);
    const ids = await page.evaluate(() => JSON.parse(localStorage.getItem('lanxang.orders') || '[]'));
    assert.ok(!ids.includes('ZZZZZZZZZZZZZ'));
    assert.ok(ids.includes(cancelId));
  });
  await check('my orders: no script error', async () => assert.deepEqual(errors, []));
  await page.close();

  // ---- a hold that runs out (the page's clock is jumped forward) ----
  await check('the countdown reaching 0 shows the hold expired and offers to search again', async () => {
    const errs = [];
    const p = await newPage(ctx, errs);
    await p.clock.install();
    await searchByUrl(p);
    await openForm(p);
    await holdAs(p, 'Late Payer', 'L5555');
    await p.clock.runFor('30:05');
    const again = p.locator('#booking [data-testid="search-again"]');
    await again.waitFor({ timeout: 5000 });
    assert.match((await p.textContent('#booking h2')) || '', /expired/);
    await again.click();
    await offer(p).waitFor({ timeout: 5000 });
    assert.equal(await p.isHidden('#booking'), true);
    assert.deepEqual(errs, []);
    await p.close();
  });

  // ---- sales rules of the operator (lx_sales_rules.txt) ----
  await check('a train whose sales are not open yet says when they open, and cannot be booked', async () => {
    const errs = [];
    const p = await newPage(ctx, errs);
    // the server's clock: 2026-12-19 06:00 (+07); LCR sells Lao journeys 3 days ahead
    const q = new URLSearchParams({ from: 'Vientiane', to: 'Luang Prabang', date: '2026-12-23', lang: 'en' });
    await p.goto(`${base}?${q}`, { waitUntil: 'networkidle' });
    const train = p.locator('#trains li.train[data-train="C86"]');
    await train.waitFor({ timeout: 5000 });
    const note = train.locator('[data-testid="sales-note"]');
    assert.match((await note.textContent()) || '', /Sales open on .*20 December 2026, 07:00 UTC\+7/);
    for (const b of await train.locator('button.book-btn').all())
      assert.equal(await b.isDisabled(), true);
    assert.deepEqual(errs, []);
    await p.close();
  });

  await check('an LCR train takes at most 3 passengers a booking: the form stops adding at 3', async () => {
    const errs = [];
    const p = await newPage(ctx, errs);
    await searchByUrl(p);
    await openForm(p);
    const add = p.locator('#booking button.secondary', { hasText: /Add a passenger/ });
    await add.click();
    await add.click();
    assert.equal(await p.locator('#booking [data-testid="passenger-name"]').count(), 3);
    assert.equal(await add.isDisabled(), true);
    assert.match((await p.locator('#booking .hint', { hasText: /Up to/ }).textContent()) || '', /Up to 3 passengers/);
    assert.deepEqual(errs, []);
    await p.close();
  });

  await check('real names: across the border a national ID card is refused, in the page\'s language, naming the rule', async () => {
    const errs = [];
    const p = await newPage(ctx, errs);
    const q = new URLSearchParams({ from: 'Vientiane', to: 'Kunming South', date: DATE, lang: 'zh' });
    await p.goto(`${base}?${q}`, { waitUntil: 'networkidle' });
    const d88 = p.locator('#trains li.train[data-train="D88"] .class-offer[data-class="second"]');
    await d88.waitFor({ timeout: 5000 });
    await d88.locator('button.book-btn').click();
    await p.locator('#booking [data-testid="passenger-name"]').first().waitFor({ timeout: 5000 });
    await p.fill('#p0-name', 'Bounmy Keo');
    await p.fill('#p0-document', 'LA1234567');
    await p.selectOption('#p0-document_type', 'national_id');
    await p.fill('#p0-birth_date', '1990-04-01');
    await p.click('#booking [data-testid="hold"]');
    const alert = p.locator('#booking .alert-text');
    await alert.waitFor({ timeout: 5000 });
    assert.match((await alert.textContent()) || '', /护照.*实名制/);
    // with a passport the same passenger is held
    await p.selectOption('#p0-document_type', 'passport');
    await p.click('#booking [data-testid="hold"]');
    await p.locator('#booking [data-testid="countdown"]').waitFor({ timeout: 5000 });
    await p.screenshot({ path: `${artifacts}/real-names-zh.png`, fullPage: true });
    assert.deepEqual(errs, []);
    await p.close();
  });

  // ---- the gate: a second server, its clock 15 minutes before the train leaves ----
  await check('the gate server starts with its clock inside the tickets\' window', async () => {
    gate = await startServer(GATE_NOW);
  });
  for (const [lang, tk] of Object.entries(tickets)) {
    await check(`${lang}: the gate accepts the ticket once, then refuses it as already used`, async () => {
      assert.ok(gate, 'no gate server');
      const r = await scan(gate.url, tk.payload);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.result, 'accepted');
      assert.equal(r.body.ticket.seat, tk.seat);
      assert.equal(r.body.ticket.train, TRAIN);
      const again = await scan(gate.url, tk.payload);
      assert.equal(again.status, 409);
      assert.equal(again.body.result, 'already_used');
    });
    await check(`${lang}: the gate refuses a tampered copy`, async () => {
      const r = await scan(gate.url, tamper(tk.payload));
      assert.equal(r.status, 422);
      assert.equal(r.body.accepted, false);
    });
  }
} finally {
  if (gate) await gate.stop();
  await browser.close();
}
finish();
