// lanxang journeys with changes of train (issue 6): with "With changes" ticked, the
// search asks the journey planner (GET /api/v1/journeys, seat-aware in the chosen
// class) and lists each journey with its legs and, between them, the change: its
// station, the waiting time, the shortest change allowed there and, at Boten and Mohan,
// the border control. Booking a journey holds every leg at once (one form of
// passengers, POST /api/v1/journey-bookings), pays for all of them
// (.../fulfillments) or cancels all of them, and shows every leg's e-tickets.
// Plain ES module; app.js hands it its helpers with initJourneys(). The passenger
// form, prices and errors are book.js's.

import {
  request, formatPrice, className, countdownText, newPassenger, passengerFieldsets,
  missingField, passengersBody, rememberedOrders, rememberOrders, panelHeading, panelErrorBox,
} from './book.js';

const MAX_SEATED = 3; // the strictest operator's passengers per order (LCR)

let ctx = null;       // the app's helpers: t, el, timeEl, stationName, longDate, ...
const jv = {
  query: null,        // {from, to, date, time, class} of the shown journeys
  journeys: null,
  mode: null,         // null | 'form' | 'held' | 'tickets' | 'done'
  journey: null,      // the journey being booked
  passengers: [newPassenger()],
  booking: null,      // the journey booking: {id, state, legs: [booking], price, prices}
  error: null,
  note: null,
  deadline: 0,
};
let timer = 0;

const t = (k, v) => ctx.t(k, v);
const el = (tag, cls, text) => ctx.el(tag, cls, text);
const list = () => document.getElementById('journeys');
const panel = () => document.getElementById('journey-booking');

function minutesText(min) {
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h ? t('duration', { h, m }) : t('duration.min', { m });
}

// "1 042 000 ₭ + ¥298" of a journey's or a journey booking's prices
function totalText(x) {
  if (typeof x.price === 'number') return formatPrice(x.price, x.currency);
  const parts = (x.prices || []).map((p) => formatPrice(p.price, p.currency));
  return parts.length ? parts.join(' + ') : t('book.no_fare');
}

// ---- the search ----

export function journeyMode() {
  return document.getElementById('changes').checked;
}

// Shows the time and class fields of a journey search when "With changes" is ticked.
export function syncJourneyFields() {
  const on = journeyMode();
  document.getElementById('time-field').hidden = !on;
  document.getElementById('jclass-field').hidden = !on;
}

export async function searchJourneys(query) {
  hideJourneys();
  const q = { ...query, time: document.getElementById('time').value || '00:00',
    class: document.getElementById('jclass').value };
  const journeys = await request('GET', `api/v1/journeys?${new URLSearchParams(q)}`);
  jv.query = q;
  jv.journeys = journeys;
  renderList(true);
  return journeys;
}

export function hideJourneys() {
  stopTimer();
  jv.journeys = null;
  jv.mode = null;
  list().hidden = true;
  list().replaceChildren();
  panel().hidden = true;
  panel().replaceChildren();
}

export function relabelJourneys() {
  if (jv.mode) renderPanel(false);
  else if (jv.journeys) renderList(false);
}

function renderList(announce) {
  const sec = list();
  const js = jv.journeys;
  const first = js[0];
  const from = first ? ctx.stationName(first.from) : jv.query.from;
  const to = first ? ctx.stationName(first.to) : jv.query.to;
  const h = el('h2', null, t('results.heading', { from, to }));
  h.id = 'journeys-title';
  const count = js.length === 1 ? t('journey.count_one') : t('journey.count', { n: js.length });
  const head = el('div', 'results-head');
  head.append(h, el('p', 'muted', `${ctx.longDate(jv.query.date)} · ${className(jv.query.class)} · ${count}`));
  const ol = el('ol', 'trains journeys');
  js.forEach((j) => ol.append(journeyItem(j)));
  sec.replaceChildren(head, el('p', 'note', t('note.local_time')), ol);
  if (!js.length) sec.append(el('p', 'empty', t('journey.none')));
  sec.hidden = false;
  if (announce) document.getElementById('status').textContent = count;
}

function legLine(l, date, priced) {
  const li = el('li', 'leg');
  li.dataset.testid = 'leg';
  li.dataset.train = l.train;
  const where = el('span', 'leg-route');
  where.append(el('strong', 'train-no', l.train), ' ', ctx.stationName(l.from), ' ',
    ctx.timeEl(l.departure, date), ' → ', ctx.stationName(l.to), ' ', ctx.timeEl(l.arrival, date));
  li.append(where);
  if (priced && l.class) {
    const free = l.free > 0 ? t('book.free', { n: l.free }) : t('book.sold_out');
    li.append(el('span', 'leg-fare hint', `${className(l.class)} · ${free} · ${formatPrice(l.price, l.currency)}`));
  }
  return li;
}

function changeLine(c) {
  const li = el('li', c.border ? 'leg-change border' : 'leg-change');
  li.dataset.testid = 'change';
  li.dataset.border = String(c.border);
  const station = ctx.stationName(c.station);
  if (c.in_seat) {
    li.append(el('span', null, t('journey.in_seat', { station })));
    return li;
  }
  let what = t('journey.change_at', { station });
  if (c.to) what += ` · ${t('journey.walk_to', { station: ctx.stationName(c.to) })}`;
  li.append(el('span', 'change-where', what), ' · ',
    el('span', 'change-wait', t('journey.wait', { wait: minutesText(c.wait_minutes), min: minutesText(c.min_minutes) })));
  if (c.border) {
    const b = el('span', 'border-badge', t('journey.border', { station }));
    b.dataset.testid = 'border';
    li.append(' ', b);
  }
  return li;
}

function journeyItem(j) {
  const li = el('li', 'train journey-card');
  li.dataset.testid = 'journey';
  li.dataset.transfers = String(j.transfers);
  const date = ctx.splitIso(j.departure)?.date;
  const head = el('div', 'journey-head');
  const changes = j.transfers === 0 ? t('journey.direct')
    : j.transfers === 1 ? t('journey.changes_one') : t('journey.changes', { n: j.transfers });
  head.append(ctx.timeEl(j.departure, date), ' → ', ctx.timeEl(j.arrival, date),
    el('span', 'dur', ` · ${minutesText(j.duration_minutes)} · ${changes}`));
  const legs = el('ol', 'legs');
  j.legs.forEach((l, i) => {
    legs.append(legLine(l, date, true));
    if (i < j.changes.length) legs.append(changeLine(j.changes[i]));
  });
  const foot = el('div', 'journey-foot');
  foot.append(el('span', 'class-price', t('journey.total', { price: totalText(j) })));
  const b = el('button', 'book-btn', t('journey.book'));
  b.type = 'button';
  b.dataset.testid = 'book-journey';
  b.disabled = !j.legs.every((l) => l.free > 0);
  b.addEventListener('click', () => openForm(j));
  foot.append(b);
  li.append(head, legs, foot);
  return li;
}

// ---- the booking panel ----

function openForm(j) {
  jv.journey = j;
  jv.passengers = [newPassenger()];
  jv.booking = null;
  jv.error = null;
  jv.mode = 'form';
  renderPanel(true);
}

function closePanel() {
  stopTimer();
  jv.mode = null;
  panel().hidden = true;
  panel().replaceChildren();
  if (jv.journeys) list().hidden = false;
}

const heading = (key, vars) => panelHeading('journey-booking-title', key, vars);
const errorBox = () => panelErrorBox(jv.error, 'journey-error');

function button(cls, key, testid, fn) {
  const b = el('button', cls, t(key));
  b.type = 'button';
  b.dataset.testid = testid;
  b.addEventListener('click', () => fn(b));
  return b;
}

function renderPanel(focus) {
  stopTimer();
  const views = { form: formView, held: heldView, tickets: ticketsView, done: doneView };
  panel().replaceChildren(...views[jv.mode]());
  panel().hidden = false;
  list().hidden = true;
  if (jv.mode === 'held') startTimer();
  if (focus) panel().querySelector('h2')?.focus();
}

function rerender(id) {
  renderPanel(false);
  if (id) document.getElementById(id)?.focus();
}

function formView() {
  const j = jv.journey;
  const date = ctx.splitIso(j.departure)?.date;
  const legs = el('ol', 'legs');
  j.legs.forEach((l, i) => {
    legs.append(legLine(l, date, true));
    if (i < j.changes.length) legs.append(changeLine(j.changes[i]));
  });
  const form = el('form', 'card book-form');
  form.noValidate = true;
  form.append(...passengerFieldsets(jv.passengers, {
    prefix: 'j',
    invalid: jv.error?.field,
    max: MAX_SEATED,
    rerender,
    cleared: () => { jv.error = null; },
  }));
  const hold = el('button', 'primary', t('journey.hold'));
  hold.type = 'submit';
  hold.dataset.testid = 'hold-journey';
  const actions = el('div', 'actions');
  actions.append(hold, button('secondary', 'journey.back', 'back', closePanel));
  form.append(errorBox(), actions);
  form.addEventListener('submit', (e) => { e.preventDefault(); holdJourney(hold); });
  return [heading('journey.book_heading'), legs,
    el('p', 'book-fare', t('journey.total', { price: totalText(j) })), form];
}

function failed(e) {
  jv.error = { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details };
}

async function holdJourney(btn) {
  const missing = missingField(jv.passengers);
  if (missing) {
    jv.error = { code: missing.key, field: `passengers[${missing.i}].${missing.f}` };
    return rerender(`j${missing.i}-${missing.f}`);
  }
  btn.disabled = true;
  const body = {
    legs: jv.journey.legs.map((l) => ({
      train: l.train, date: l.date, from: `${l.from.feed}:${l.from.id}`,
      to: `${l.to.feed}:${l.to.id}`, class: l.class || jv.query.class,
    })),
    passengers: passengersBody(jv.passengers, false),
  };
  try {
    setBooking(await request('POST', 'api/v1/journey-bookings', body));
    const ids = jv.booking.legs.map((b) => b.id);
    rememberOrders([...ids, ...rememberedOrders().filter((x) => !ids.includes(x))]);
    jv.error = null;
    jv.mode = 'held';
    renderPanel(true);
  } catch (e) {
    failed(e);
    const m = /^passengers\[(\d+)\]\.(\w+)$/.exec(e.field || '');
    rerender(m ? `j${m[1]}-${m[2]}` : null);
  }
}

function setBooking(b) {
  jv.booking = b;
  if (b.state === 'provisional') jv.deadline = performance.now() + Math.max(0, b.expires_in || 0) * 1000;
}

function refEl() {
  const p = el('p', 'book-ref', t('journey.reference', { id: jv.booking.id }));
  p.dataset.testid = 'journey-ref';
  return p;
}

function heldView() {
  const b = jv.booking;
  const legs = el('ol', 'legs');
  b.legs.forEach((l, i) => {
    const li = el('li', 'leg');
    li.dataset.testid = 'held-leg';
    const seats = (l.tickets || []).map((x) => `${x.seat} ${x.name}`).join(', ');
    li.append(el('strong', null, t('journey.leg', { n: i + 1, train: l.train })), ' ',
      `${ctx.stationName(l.from)} → ${ctx.stationName(l.to)} · ${className(l.class)} · ${seats}`);
    legs.append(li);
  });
  const cd = el('p', 'countdown');
  const clock = el('span', 'clock', countdownText(jv.deadline - performance.now()));
  clock.setAttribute('role', 'timer');
  clock.dataset.testid = 'countdown';
  cd.append(el('span', null, t('book.time_left')), ' ', clock);
  const actions = el('div', 'actions');
  actions.append(button('primary pay', 'journey.pay', 'pay-journey', (x) => life(x, 'POST', 'fulfillments')),
    button('secondary danger', 'journey.cancel', 'cancel-journey', (x) => life(x, 'DELETE', '')));
  return [heading('journey.held_heading'), refEl(), legs,
    el('p', 'book-total', t('journey.total', { price: totalText(b) })), cd, errorBox(), actions];
}

// pays (POST .../fulfillments) or cancels (DELETE) every leg
async function life(btn, method, what) {
  btn.disabled = true;
  const path = `api/v1/journey-bookings/${encodeURIComponent(jv.booking.id)}${what ? `/${what}` : ''}`;
  try {
    setBooking(await request(method, path, method === 'POST' ? {} : undefined));
    jv.error = null;
    jv.mode = method === 'POST' ? 'tickets' : 'done';
    if (jv.mode === 'done') jv.note = 'journey.cancelled';
  } catch (e) {
    failed(e);
    if (e.code === 'expired') { jv.mode = 'done'; jv.note = 'journey.expired'; }
  }
  renderPanel(true);
}

function ticketsView() {
  const b = jv.booking;
  const ol = el('ol', 'tickets');
  for (const leg of b.legs) {
    const date = ctx.splitIso(leg.departure)?.date;
    (leg.tickets || []).forEach((tk, i) => {
      const li = el('li', 'ticket');
      li.dataset.testid = 'ticket';
      const dl = el('dl', 'journey');
      const add = (k, v) => {
        const dd = el('dd');
        if (typeof v === 'string') dd.textContent = v; else dd.append(v);
        dl.append(el('dt', null, t(k)), dd);
      };
      add('book.passenger_name', tk.name);
      add('book.train', leg.train);
      add('book.seat', tk.seat);
      add('book.class', className(leg.class));
      add('book.route', `${ctx.stationName(leg.from)} → ${ctx.stationName(leg.to)}`);
      const times = el('span');
      times.append(ctx.timeEl(leg.departure, date), ' – ', ctx.timeEl(leg.arrival, date));
      add('book.times', times);
      const img = el('img', 'qr-img');
      img.src = `api/v1/bookings/${encodeURIComponent(leg.id)}/tickets/${i + 1}/qr.svg`;
      img.alt = t('book.qr_alt', { n: i + 1, train: leg.train, seat: tk.seat, name: tk.name });
      img.width = 200;
      img.height = 200;
      const fig = el('figure', 'qr');
      fig.append(img, el('figcaption', 'hint', t('book.qr_hint')));
      const art = el('article');
      art.append(el('h3', null, t('journey.leg', { n: b.legs.indexOf(leg) + 1, train: leg.train })), dl, fig);
      li.append(art);
      ol.append(li);
    });
  }
  const actions = el('div', 'actions');
  actions.append(button('secondary', 'book.print', 'print', () => window.print()),
    button('secondary', 'journey.back', 'back', closePanel));
  return [heading('book.tickets_heading'), refEl(),
    el('p', 'book-total', t('book.paid', { price: totalText(b) })), ol, actions];
}

function doneView() {
  const out = [heading(jv.note)];
  if (jv.booking) out.push(refEl());
  out.push(errorBox(), button('secondary', 'journey.back', 'back', closePanel));
  return out;
}

function startTimer() {
  const tick = () => {
    const clock = panel().querySelector('[data-testid="countdown"]');
    if (!clock) return stopTimer();
    const left = jv.deadline - performance.now();
    clock.textContent = countdownText(left);
    if (left <= 0) {
      jv.mode = 'done';
      jv.note = 'journey.expired';
      renderPanel(true);
    }
  };
  timer = setInterval(tick, 1000);
}

function stopTimer() {
  if (timer) clearInterval(timer);
  timer = 0;
}

export function initJourneys(helpers) {
  ctx = helpers;
  document.getElementById('changes').addEventListener('change', syncJourneyFields);
  syncJourneyFields();
}
