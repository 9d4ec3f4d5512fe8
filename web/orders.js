// lanxang "My orders": the bookings made in this browser (their ids are kept in
// localStorage by book.js), each fetched again from GET /api/v1/bookings/{id} and shown
// with its state, train, date, stretch, seats and price. A provisional booking can be
// paid or cancelled (DELETE, after a confirmation), a confirmed one refunded (the refund
// offer's fee and amount are shown and confirmed, then POST .../refunds) or its
// e-tickets shown again. Ids the server does not know (404) leave the list, with a note.
//
// Each booking shows its passengers with fare type and fare; a refunded one the fee
// kept and the amount returned; a confirmed one can be changed once to another train
// (the offers of the same stretch on a chosen date, POST .../exchanges): the new
// booking joins the list and the old one shows "changed", each linking to the other
// (changed_from / changed_to). The waitlist requests made in this browser (waitlist.js)
// follow, with their state; while one is open they are fetched again every few
// seconds, and a fulfilled one links to the booking it made. A leg of a journey booking
// (its `journey` lists the legs) is refunded with the whole journey instead ("Refund
// journey": POST /api/v1/journey-bookings/{id}/refund-offers, each leg's fee and amount
// and the totals shown and confirmed, then .../refunds), every leg in the list updated.
// Plain ES module; app.js hands it its helpers with initOrders().

import {
  request, formatPrice, className, showBooking, hideBooking, rememberedOrders, rememberOrders, errorText as bookErrorText,
} from './book.js';
import {
  hideWaitlist, rememberedRequests, rememberRequests, fetchRequest, requestBodyEl, noteFulfilled, showRequest, POLL_MS,
} from './waitlist.js';

let ctx = null; // {t, el, stationName, splitIso, longDate, offsetLabel, timeEl, showResults}

const ov = {
  open: false,
  loading: false,
  items: [],        // [{id, booking, error}]
  notes: [],        // [{key, vars}] shown once at the top (dropped ids, done actions)
  pending: null,    // {id, kind: 'cancel' | 'refund' | 'journey-refund' | 'change', offer, change}
  busy: false,
  waits: [],        // [{id, req, error}] the waitlist requests
};
let pollTimer = 0;

const t = (k, v) => ctx.t(k, v);
const el = (tag, cls, text) => ctx.el(tag, cls, text);
const section = () => document.getElementById('orders');
const path = (id) => `api/v1/bookings/${encodeURIComponent(id)}`;
const journeyPath = (id) => `api/v1/journey-bookings/${encodeURIComponent(id)}`;

export function initOrders(helpers) {
  ctx = helpers;
}

export function ordersOpen() {
  return ov.open;
}

export async function openOrders() {
  hideBooking();
  hideWaitlist();
  stopPoll();
  ov.open = true;
  ov.loading = true;
  ov.pending = null;
  ov.items = [];
  ov.waits = rememberedRequests().map((id) => ({ id, req: null, error: null }));
  render(true);
  // a request fulfilled since adds its booking to the list
  await Promise.all(ov.waits.map(async (w) => {
    try {
      w.req = await fetchRequest(w.id);
      noteFulfilled(w.req);
    } catch (e) {
      w.error = e;
    }
  }));
  const goneWaits = ov.waits.filter((w) => w.error?.status === 404).map((w) => w.id);
  if (goneWaits.length) {
    ov.waits = ov.waits.filter((w) => !goneWaits.includes(w.id));
    rememberRequests(rememberedRequests().filter((id) => !goneWaits.includes(id)));
  }
  ov.items = rememberedOrders().map((id) => ({ id, booking: null, error: null }));
  const dropped = [];
  await Promise.all(ov.items.map(async (it) => {
    try {
      it.booking = await request('GET', path(it.id));
    } catch (e) {
      if (e.status === 404) dropped.push(it.id);
      else it.error = e;
    }
  }));
  if (dropped.length) {
    ov.items = ov.items.filter((it) => !dropped.includes(it.id));
    rememberOrders(rememberedOrders().filter((id) => !dropped.includes(id)));
    for (const id of dropped) ov.notes.push({ key: 'orders.dropped', vars: { id } });
  }
  ov.loading = false;
  if (ov.open) render(false);
  if (ov.open) startPoll();
}

// ---- the open waitlist requests, fetched again until they are settled ----

function startPoll() {
  stopPoll();
  if (!ov.waits.some((w) => w.req?.state === 'open')) return;
  pollTimer = setInterval(pollWaits, POLL_MS);
}

function stopPoll() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = 0;
}

async function pollWaits() {
  let changed = false;
  await Promise.all(ov.waits.filter((w) => w.req?.state === 'open').map(async (w) => {
    try {
      const req = await fetchRequest(w.id);
      if (req.state !== w.req.state) {
        w.req = req;
        changed = true;
        noteFulfilled(req);
        if (req.booking && !ov.items.some((it) => it.id === req.booking)) {
          const booking = req.booking_details || await request('GET', path(req.booking)).catch(() => null);
          ov.items.unshift({ id: req.booking, booking, error: null });
        }
        ov.notes = [{ key: `wait.note.${req.state}`, vars: { id: w.id, booking: req.booking || '' } }];
      }
    } catch { /* try again on the next round */ }
  }));
  if (!ov.open || !changed) return;
  if (!ov.waits.some((w) => w.req?.state === 'open')) stopPoll();
  if (ov.busy || ov.pending) return; // keep a half-answered question; shown on the next render
  const focusId = document.activeElement?.id;
  render(false);
  if (focusId) document.getElementById(focusId)?.focus();
}

export function closeOrders(showResults = true) {
  stopPoll();
  ov.open = false;
  ov.pending = null;
  ov.notes = [];
  section().hidden = true;
  section().replaceChildren();
  if (showResults) ctx.showResults();
}

export function relabelOrders() {
  if (ov.open) render(false);
}

function stateText(state) {
  const key = `orders.state.${state}`;
  const s = t(key);
  return s === key ? state : s;
}

function errorText(e) {
  return bookErrorText(e);
}

function render(focus) {
  const sec = section();
  sec.hidden = false;
  sec.setAttribute('aria-busy', String(ov.loading));
  const results = document.getElementById('results');
  if (results) results.hidden = true;
  const h = el('h2', 'orders-title', t('orders.heading'));
  h.id = 'orders-title';
  h.tabIndex = -1;
  const out = [h];
  const status = el('div', 'orders-notes');
  status.setAttribute('role', 'status');
  status.dataset.testid = 'orders-notes';
  for (const n of ov.notes) status.append(el('p', 'note', t(n.key, n.vars)));
  out.push(status);
  if (ov.loading) out.push(el('p', 'muted', t('orders.loading')));
  else if (!ov.items.length) out.push(el('p', 'empty', t('orders.none')));
  else {
    const list = el('ol', 'orders-list');
    for (const it of ov.items) list.append(itemEl(it));
    out.push(list);
  }
  if (!ov.loading && ov.waits.length) {
    const h3 = el('h3', 'orders-sub', t('wait.orders_heading'));
    h3.id = 'waits-title';
    const list = el('ol', 'orders-list waits-list');
    list.setAttribute('aria-labelledby', h3.id);
    for (const w of ov.waits) list.append(waitEl(w));
    out.push(h3, list);
  }
  const actions = el('div', 'actions');
  const back = el('button', 'secondary', t('orders.close'));
  back.type = 'button';
  back.dataset.testid = 'orders-close';
  back.addEventListener('click', () => {
    closeOrders();
    document.getElementById('orders-open')?.focus();
  });
  actions.append(back);
  out.push(actions);
  sec.replaceChildren(...out);
  if (focus) h.focus();
}

function itemEl(it) {
  const li = el('li', 'order card');
  li.dataset.testid = 'order';
  li.dataset.id = it.id;
  const b = it.booking;
  if (!b) {
    li.append(el('h3', null, t('book.reference', { id: it.id })),
      el('p', 'alert-text', it.error ? errorText(it.error) : t('orders.loading')));
    return li;
  }
  li.dataset.state = b.state;
  const h = el('h3', 'order-title', `${b.train} · ${ctx.stationName(b.from)} → ${ctx.stationName(b.to)}`);
  h.id = `order-${it.id}`;
  h.tabIndex = -1;
  const badge = el('span', `state state-${b.state}`, stateText(b.state));
  badge.dataset.testid = 'order-state';
  const dl = el('dl', 'journey');
  const add = (k, v) => {
    const dd = el('dd');
    if (typeof v === 'string') dd.textContent = v; else dd.append(v);
    dl.append(el('dt', null, t(k)), dd);
  };
  const date = ctx.splitIso(b.departure)?.date || b.date;
  if (date) add('book.date', ctx.longDate(date));
  const times = el('span');
  times.append(ctx.timeEl(b.departure, date), ' – ', ctx.timeEl(b.arrival, date));
  add('book.times', times);
  add('book.class', className(b.class));
  const seats = (b.tickets || []).map((tk) => tk.seat).filter(Boolean);
  const dd = el('span', 'seat', (seats.length ? seats : b.seats || []).join(', '));
  dd.dataset.testid = 'order-seats';
  add('book.seats', dd);
  add('orders.price', formatPrice(b.price, b.currency));
  add('orders.reference', it.id);
  const fee = b.refund_fee ?? b.refund?.fee;
  const back = b.refund_amount ?? b.refund?.amount;
  if (typeof fee === 'number') {
    const x = el('span', null, formatPrice(fee, b.refund?.currency || b.currency));
    x.dataset.testid = 'order-refund-fee';
    x.dataset.amount = String(fee);
    add('orders.refund_fee_kept', x);
  }
  if (typeof back === 'number') {
    const x = el('span', 'refund-amount', formatPrice(back, b.refund?.currency || b.currency));
    x.dataset.testid = 'order-refund-amount';
    x.dataset.amount = String(back);
    add('orders.refund_returned', x);
  }
  if (b.changed_from) add('orders.changed_from', linkTo(b.changed_from, 'order-changed-from'));
  if (b.changed_to) add('orders.changed_to', linkTo(b.changed_to, 'order-changed-to'));
  li.append(h, badge, dl);
  if (Array.isArray(b.passengers) && b.passengers.length) li.append(passengersEl(b));
  if (it.error) {
    const box = el('p', 'alert inline');
    box.setAttribute('role', 'alert');
    box.textContent = errorText(it.error);
    li.append(box);
  }
  if (ov.pending && ov.pending.id === it.id) li.append(ov.pending.kind === 'change' ? changeEl(it) : confirmEl(it));
  else li.append(actionsEl(it));
  return li;
}

function fareTypeText(ft) {
  const key = `fare.${ft}`;
  const s = t(key);
  return s === key ? ft : s;
}

// the passengers of a booking: name, fare type, fare, seat (an infant has none)
function passengersEl(b) {
  const ul = el('ul', 'order-passengers');
  ul.setAttribute('aria-label', t('orders.passengers'));
  for (const p of b.passengers) {
    const li = el('li');
    li.dataset.testid = 'order-passenger';
    li.dataset.fareType = p.fare_type || 'adult';
    li.dataset.fare = String(p.fare ?? '');
    li.append(el('span', 'pax-name', p.name), ' · ', el('span', 'fare-type', fareTypeText(p.fare_type || 'adult')));
    if (typeof p.fare === 'number') li.append(' · ', el('span', 'fare', formatPrice(p.fare, b.currency)));
    li.append(' · ', el('span', 'seat', p.seat || t('book.no_seat')));
    ul.append(li);
  }
  return ul;
}

// a button that brings the booking `id` into view in the list (fetched when missing)
function linkTo(id, testid) {
  const b = el('button', 'link-btn order-link', id);
  b.type = 'button';
  b.dataset.testid = testid;
  b.dataset.id = id;
  b.setAttribute('aria-label', t('orders.go_to', { id }));
  b.addEventListener('click', () => focusOrder(id));
  return b;
}

async function focusOrder(id) {
  if (!ov.items.some((x) => x.id === id)) {
    const it = { id, booking: null, error: null };
    try { it.booking = await request('GET', path(id)); } catch (e) { it.error = e; }
    ov.items.unshift(it);
    rememberOrders([id, ...rememberedOrders().filter((x) => x !== id)]);
    render(false);
  }
  const h = document.getElementById(`order-${id}`);
  h?.scrollIntoView({ block: 'start' });
  h?.focus();
}

// ---- the waitlist requests ----

function waitEl(w) {
  const li = el('li', 'order card wait-item');
  li.dataset.testid = 'wait-request';
  li.dataset.id = w.id;
  const h = el('h3', 'order-title', t('wait.item_heading', { id: w.id }));
  h.id = `wait-${w.id}`;
  h.tabIndex = -1;
  li.append(h);
  if (!w.req) {
    li.append(el('p', 'alert-text', w.error ? errorText(w.error) : t('orders.loading')));
    return li;
  }
  li.dataset.state = w.req.state;
  li.append(requestBodyEl(w.req));
  const row = el('div', 'actions');
  if (w.req.state === 'fulfilled' && w.req.booking) {
    const go = button('primary', 'wait.go_booking', 'wait-go-booking', () => focusOrder(w.req.booking));
    go.setAttribute('aria-label', t('orders.go_to', { id: w.req.booking }));
    row.append(go);
  }
  if (w.req.state === 'open') {
    const show = button('secondary', 'wait.show', 'wait-show', () => {
      closeOrders(false);
      showRequest(w.req);
    });
    row.append(show);
  }
  if (w.req.state !== 'open') {
    const rm = button('link-btn', 'orders.remove', 'wait-remove', () => {
      rememberRequests(rememberedRequests().filter((id) => id !== w.id));
      ov.waits = ov.waits.filter((x) => x !== w);
      render(false);
      section().querySelector('h2')?.focus();
    });
    rm.setAttribute('aria-label', `${t('orders.remove')} – ${t('wait.item_heading', { id: w.id })}`);
    row.append(rm);
  }
  li.append(row);
  return li;
}

// ---- changing a paid booking to another train ----

function startChange(it) {
  const b = it.booking;
  ov.pending = {
    id: it.id, kind: 'change', offer: null,
    change: { date: b.date || ctx.splitIso(b.departure)?.date, offers: null, loading: false, pick: '', error: null },
  };
  it.error = null;
  render(false);
  document.getElementById(`change-date-${it.id}`)?.focus();
  findTrains(it);
}

async function findTrains(it) {
  const ch = ov.pending?.change;
  if (!ch || !ch.date) return;
  const b = it.booking;
  ch.loading = true;
  ch.error = null;
  const q = new URLSearchParams({ from: `${b.from.feed}:${b.from.id}`, to: `${b.to.feed}:${b.to.id}`, date: ch.date });
  try {
    ch.offers = await request('GET', `api/v1/offers?${q}`);
  } catch (e) {
    ch.offers = null;
    ch.error = e;
  }
  ch.loading = false;
  if (ov.pending?.change !== ch) return;
  const focusId = document.activeElement?.id;
  render(false);
  if (focusId) document.getElementById(focusId)?.focus();
}

function changeEl(it) {
  const b = it.booking;
  const ch = ov.pending.change;
  const box = el('div', 'confirm change');
  box.setAttribute('role', 'group');
  box.dataset.testid = 'change';
  const q = el('p', 'confirm-q', t('orders.change_q', { id: it.id }));
  q.id = `change-q-${it.id}`;
  box.setAttribute('aria-labelledby', q.id);
  box.append(q, el('p', 'hint', t('orders.change_rules')));
  const row = el('div', 'row');
  const f = el('div', 'field');
  const label = el('label', null, t('search.date'));
  label.htmlFor = `change-date-${it.id}`;
  const date = el('input');
  date.type = 'date';
  date.id = `change-date-${it.id}`;
  date.value = ch.date || '';
  date.dataset.testid = 'change-date';
  date.addEventListener('change', () => { ch.date = date.value; findTrains(it); });
  f.append(label, date);
  const find = button('secondary', 'wait.find', 'change-find', () => findTrains(it));
  row.append(f, find);
  box.append(row);
  if (ch.loading) box.append(el('p', 'muted', t('results.loading')));
  if (ch.error) {
    const p = el('p', 'alert inline', errorText(ch.error));
    p.setAttribute('role', 'alert');
    box.append(p);
  }
  let opts = [];
  if (ch.offers) {
    for (const o of ch.offers) {
      if (o.sales && !o.sales.open) continue;
      const d = ctx.splitIso(o.departure);
      for (const c of o.classes || []) {
        if (!(c.free > 0)) continue;
        const day = d?.date || o.service_date;
        if (o.train === b.train && day === b.date && String(c.class) === String(b.class)) continue;
        opts.push({ key: `${o.train}|${day}|${c.class}`, o, c, d, day });
      }
    }
    if (!opts.length) box.append(el('p', 'muted', t('wait.no_trains')));
    else {
      const fw = el('div', 'field');
      const l2 = el('label', null, t('orders.change_pick'));
      l2.htmlFor = `change-pick-${it.id}`;
      const sel = el('select');
      sel.id = `change-pick-${it.id}`;
      sel.dataset.testid = 'change-pick';
      if (!opts.some((x) => x.key === ch.pick)) ch.pick = opts[0].key;
      for (const { key, o, c, d } of opts) {
        const op = el('option', null, `${o.train} · ${d ? d.hm : ''} · ${className(c.class)} · ${t('book.free', { n: c.free })} · ${formatPrice(c.price, c.currency)}`);
        op.value = key;
        op.selected = key === ch.pick;
        sel.append(op);
      }
      sel.addEventListener('change', () => { ch.pick = sel.value; });
      fw.append(l2, sel);
      box.append(fw);
    }
  }
  const actions = el('div', 'actions');
  const yes = button('primary', 'orders.change_yes', 'change-yes', () => doChange(it, opts.find((x) => x.key === ch.pick)));
  yes.disabled = ov.busy || !opts.length;
  const no = button('secondary', 'orders.keep', 'confirm-no', () => {
    ov.pending = null;
    render(false);
    document.getElementById(`order-${it.id}`)?.focus();
  });
  actions.append(yes, no);
  box.append(actions);
  return box;
}

async function doChange(it, pick) {
  if (!pick) return;
  ov.busy = true;
  render(false);
  try {
    const nb = await request('POST', `${path(it.id)}/exchanges`, { train: pick.o.train, date: pick.day, class: pick.c.class });
    it.error = null;
    try { it.booking = await request('GET', path(it.id)); } catch { /* keep the old one */ }
    ov.items = [{ id: nb.id, booking: nb, error: null }, ...ov.items.filter((x) => x.id !== nb.id)];
    rememberOrders([nb.id, ...rememberedOrders().filter((x) => x !== nb.id)]);
    ov.notes = [{ key: 'orders.changed', vars: { id: it.id, to: nb.id } }];
    ov.busy = false;
    ov.pending = null;
    render(false);
    document.getElementById(`order-${nb.id}`)?.focus();
  } catch (e) {
    it.error = e;
    ov.busy = false;
    ov.pending = null;
    try { it.booking = await request('GET', path(it.id)); } catch { /* keep the old one */ }
    render(false);
    document.getElementById(`order-${it.id}`)?.focus();
  }
}

function button(cls, key, testid, fn, vars) {
  const b = el('button', cls, t(key, vars));
  b.type = 'button';
  b.dataset.testid = testid;
  b.disabled = ov.busy;
  b.addEventListener('click', fn);
  return b;
}

function actionsEl(it) {
  const b = it.booking;
  const row = el('div', 'actions');
  const label = (key) => `${t(key)} – ${t('book.reference', { id: it.id })}`;
  const back = () => openOrders();
  if (b.state === 'provisional') {
    const pay = button('primary', 'orders.pay', 'order-pay', async () => {
      try {
        showBooking(await request('GET', path(it.id)), back);
        closeOrders(false);
      } catch (e) {
        it.error = e;
        render(false);
      }
    });
    pay.setAttribute('aria-label', label('orders.pay'));
    const cancel = button('secondary danger', 'orders.cancel', 'order-cancel', () => ask(it, 'cancel'));
    cancel.setAttribute('aria-label', label('orders.cancel'));
    row.append(pay, cancel);
  } else if (b.state === 'confirmed') {
    const show = button('primary', 'orders.tickets', 'order-tickets', () => {
      showBooking(b, back);
      closeOrders(false);
    });
    show.setAttribute('aria-label', label('orders.tickets'));
    const change = button('secondary', 'orders.change', 'order-change', () => startChange(it));
    change.setAttribute('aria-label', label('orders.change'));
    // a leg of a journey is refunded with the whole journey, all or none
    const journey = Array.isArray(b.journey) && b.journey.length > 1;
    const key = journey ? 'orders.refund_journey' : 'orders.refund';
    const refund = button('secondary danger', key, journey ? 'order-refund-journey' : 'order-refund',
      () => offerRefund(it, journey));
    refund.setAttribute('aria-label', label(key));
    row.append(show, change, refund);
  } else {
    const rm = button('link-btn', 'orders.remove', 'order-remove', () => {
      rememberOrders(rememberedOrders().filter((id) => id !== it.id));
      ov.items = ov.items.filter((x) => x !== it);
      render(false);
      section().querySelector('h2')?.focus();
    });
    rm.setAttribute('aria-label', label('orders.remove'));
    row.append(rm);
  }
  return row;
}

function ask(it, kind, offer) {
  ov.pending = { id: it.id, kind, offer: offer || null };
  it.error = null;
  render(false);
  section().querySelector('[data-testid="confirm-yes"]')?.focus();
}

async function offerRefund(it, journey) {
  ov.busy = true;
  render(false);
  try {
    const offer = await request('POST', `${(journey ? journeyPath : path)(it.id)}/refund-offers`);
    ov.busy = false;
    ask(it, journey ? 'journey-refund' : 'refund', offer);
  } catch (e) {
    ov.busy = false;
    it.error = e;
    render(false);
  }
}

function confirmEl(it) {
  const { kind, offer } = ov.pending;
  const box = el('div', 'confirm');
  box.setAttribute('role', 'group');
  box.dataset.testid = 'confirm';
  const question = { cancel: 'orders.cancel_q', refund: 'orders.refund_q', 'journey-refund': 'orders.refund_journey_q' };
  const q = el('p', 'confirm-q', t(question[kind], { id: it.id }));
  q.id = `confirm-${it.id}`;
  box.setAttribute('aria-labelledby', q.id);
  box.append(q);
  if (kind === 'journey-refund' && offer) {
    // each train's fee and amount, then the totals (per currency: kip and yuan)
    const ul = el('ul', 'order-passengers refund-legs');
    offer.legs.forEach((l, i) => {
      const li = el('li', null, `${t('journey.leg', { n: i + 1, train: legTrain(l.booking) })} · `
        + `${t('orders.refund_fee')} ${formatPrice(l.fee, l.currency)} · `
        + `${t('orders.refund_amount')} ${formatPrice(l.amount, l.currency)}`);
      li.dataset.testid = 'refund-leg';
      ul.append(li);
    });
    box.append(ul);
  }
  if (kind !== 'cancel' && offer) {
    const sum = (k) => (offer.totals || [offer]).map((x) => formatPrice(x[k], x.currency)).join(' + ');
    const dl = el('dl', 'journey refund-offer');
    dl.dataset.testid = 'refund-offer';
    const fee = el('dd', null, sum('fee'));
    fee.dataset.testid = 'refund-fee';
    const amount = el('dd', 'refund-amount', sum('amount'));
    amount.dataset.testid = 'refund-amount';
    dl.append(el('dt', null, t('orders.refund_fee')), fee, el('dt', null, t('orders.refund_amount')), amount);
    box.append(dl);
  }
  const row = el('div', 'actions');
  const yes = button('primary danger-fill', kind === 'cancel' ? 'orders.cancel_yes' : 'orders.refund_yes', 'confirm-yes',
    () => (kind === 'cancel' ? doCancel(it) : doRefund(it, offer, kind === 'journey-refund')));
  const no = button('secondary', 'orders.keep', 'confirm-no', () => {
    ov.pending = null;
    render(false);
    document.getElementById(`order-${it.id}`)?.focus();
  });
  row.append(yes, no);
  box.append(row);
  return box;
}

async function act(it, fn, doneKey) {
  ov.busy = true;
  render(false);
  try {
    it.booking = await fn();
    it.error = null;
    ov.notes = [{ key: doneKey, vars: { id: it.id } }];
  } catch (e) {
    it.error = e;
    // show the booking as it is now
    try { it.booking = await request('GET', path(it.id)); } catch { /* keep the old one */ }
  }
  ov.busy = false;
  ov.pending = null;
  render(false);
  document.getElementById(`order-${it.id}`)?.focus();
}

function doCancel(it) {
  return act(it, () => request('DELETE', path(it.id)), 'orders.cancelled');
}

function doRefund(it, offer, journey) {
  if (!journey) return act(it, () => request('POST', `${path(it.id)}/refunds`, { refund_offer: offer.id }), 'orders.refunded');
  return act(it, async () => {
    const j = await request('POST', `${journeyPath(it.id)}/refunds`, { refund_offer: offer.id });
    // every leg in the list shows its refund
    for (const leg of j.legs) {
      const x = ov.items.find((y) => y.id === leg.id);
      if (x) x.booking = leg;
    }
    return j.legs.find((l) => l.id === it.id) || it.booking;
  }, 'orders.journey_refunded');
}

// the train of a leg of a journey, when the list shows it ('' otherwise)
function legTrain(id) {
  return ov.items.find((x) => x.id === id)?.booking?.train || '';
}
