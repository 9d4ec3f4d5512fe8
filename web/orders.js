// lanxang "My orders": the bookings made in this browser (their ids are kept in
// localStorage by book.js), each fetched again from GET /api/v1/bookings/{id} and shown
// with its state, train, date, stretch, seats and price. A provisional booking can be
// paid or cancelled (DELETE, after a confirmation), a confirmed one refunded (the refund
// offer's fee and amount are shown and confirmed, then POST .../refunds) or its
// e-tickets shown again. Ids the server does not know (404) leave the list, with a note.
// Plain ES module; app.js hands it its helpers with initOrders().

import { request, formatPrice, className, showBooking, hideBooking, rememberedOrders, rememberOrders } from './book.js';

let ctx = null; // {t, el, stationName, splitIso, longDate, timeEl, showResults}

const ov = {
  open: false,
  loading: false,
  items: [],        // [{id, booking, error}]
  notes: [],        // [{key, vars}] shown once at the top (dropped ids, done actions)
  pending: null,    // {id, kind: 'cancel' | 'refund', offer}
  busy: false,
};

const t = (k, v) => ctx.t(k, v);
const el = (tag, cls, text) => ctx.el(tag, cls, text);
const section = () => document.getElementById('orders');
const path = (id) => `api/v1/bookings/${encodeURIComponent(id)}`;

export function initOrders(helpers) {
  ctx = helpers;
}

export function ordersOpen() {
  return ov.open;
}

export async function openOrders() {
  hideBooking();
  ov.open = true;
  ov.loading = true;
  ov.pending = null;
  ov.items = rememberedOrders().map((id) => ({ id, booking: null, error: null }));
  render(true);
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
}

export function closeOrders(showResults = true) {
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
  const key = `book.error.${e.code}`;
  const s = t(key);
  return s !== key ? s : (e.message || t('error.title'));
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
  li.append(h, badge, dl);
  if (it.error) {
    const box = el('p', 'alert inline');
    box.setAttribute('role', 'alert');
    box.textContent = errorText(it.error);
    li.append(box);
  }
  if (ov.pending && ov.pending.id === it.id) li.append(confirmEl(it));
  else li.append(actionsEl(it));
  return li;
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
    const refund = button('secondary danger', 'orders.refund', 'order-refund', () => offerRefund(it));
    refund.setAttribute('aria-label', label('orders.refund'));
    row.append(show, refund);
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

async function offerRefund(it) {
  ov.busy = true;
  render(false);
  try {
    const offer = await request('POST', `${path(it.id)}/refund-offers`);
    ov.busy = false;
    ask(it, 'refund', offer);
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
  const q = el('p', 'confirm-q', t(kind === 'cancel' ? 'orders.cancel_q' : 'orders.refund_q', { id: it.id }));
  q.id = `confirm-${it.id}`;
  box.setAttribute('aria-labelledby', q.id);
  box.append(q);
  if (kind === 'refund' && offer) {
    const dl = el('dl', 'journey refund-offer');
    dl.dataset.testid = 'refund-offer';
    const fee = el('dd', null, formatPrice(offer.fee, offer.currency));
    fee.dataset.testid = 'refund-fee';
    const amount = el('dd', 'refund-amount', formatPrice(offer.amount, offer.currency));
    amount.dataset.testid = 'refund-amount';
    dl.append(el('dt', null, t('orders.refund_fee')), fee, el('dt', null, t('orders.refund_amount')), amount);
    box.append(dl);
  }
  const row = el('div', 'actions');
  const yes = button('primary danger-fill', kind === 'cancel' ? 'orders.cancel_yes' : 'orders.refund_yes', 'confirm-yes',
    () => (kind === 'cancel' ? doCancel(it) : doRefund(it, offer)));
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

function doRefund(it, offer) {
  return act(it, () => request('POST', `${path(it.id)}/refunds`, { refund_offer: offer.id }), 'orders.refunded');
}
