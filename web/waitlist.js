// lanxang waitlist: a prepaid request for a seat on up to 4 train/date/class choices of
// one stretch, made when a class is sold out (the "Join the waitlist" button of a
// sold-out class in the results, book.js). The form names the passengers (as a booking
// does: fare types, birth dates), the choices (the sold-out one first; more from the
// offers of other trains and dates on the same stretch) and the payment; POST
// /api/v1/waitlist answers the request, "open" until a seat comes back on one of its
// choices: then the server books it at once ("fulfilled", with its booking) and
// refunds the difference, or refunds it in full at the cut-off ("refunded") or when it
// is withdrawn (DELETE, "cancelled").
//
// The request's ids are kept in localStorage beside the bookings' (My orders lists
// them, orders.js); an open request shown here or in My orders is fetched again every
// few seconds, so its fulfilment appears without a reload, and the booking it made is
// added to My orders. Plain ES module; app.js hands it its helpers with initWaitlist().

import {
  request, formatPrice, className, errorText, passengerFieldsets, passengersBody, missingField,
  newPassenger, fetchQuote, quoteEl, paymentProviders, showBooking, rememberedOrders, rememberOrders,
} from './book.js';

export const MAX_CHOICES = 4;
export const POLL_MS = 2000;
const WAIT_KEY = 'lanxang.waitlist';

let ctx = null; // {t, el, timeEl, stationName, splitIso, longDate, offsetLabel, showResults, hideOthers}
const wv = {
  mode: null,        // 'form' | 'request'
  from: null,        // station objects of the stretch
  to: null,
  maxSeated: 3,
  choices: [],       // [{train, date, class, departure, price, currency}]
  passengers: [],
  payment: 'counter',
  adding: null,      // {date, offers, loading, error, pick}
  quote: null,       // {loading, data, error} of the dearest choice
  error: null,
  req: null,         // the request as the server told it
  busy: false,
};
let pollTimer = 0;
let quoteTimer = 0;
let quoteSeq = 0;

const t = (k, v) => ctx.t(k, v);
const el = (tag, cls, text) => ctx.el(tag, cls, text);
const section = () => document.getElementById('waitlist');
const wpath = (id) => `api/v1/waitlist/${encodeURIComponent(id)}`;

export function initWaitlist(helpers) {
  ctx = helpers;
}

// ---- the requests made in this browser ----

export function rememberedRequests() {
  try {
    const a = JSON.parse(localStorage.getItem(WAIT_KEY) || '[]');
    return Array.isArray(a) ? a.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberRequests(ids) {
  try { localStorage.setItem(WAIT_KEY, JSON.stringify(ids.slice(0, 50))); } catch { /* storage may be disabled */ }
}

// A fulfilled request's booking joins My orders.
export function noteFulfilled(req) {
  if (req && req.state === 'fulfilled' && req.booking && !rememberedOrders().includes(req.booking))
    rememberOrders([req.booking, ...rememberedOrders()]);
}

export function fetchRequest(id) {
  return request('GET', wpath(id));
}

// ---- a request, as shown here and in My orders ----

function stateText(state) {
  const key = `wait.state.${state}`;
  const s = t(key);
  return s === key ? state : s;
}

function whenText(iso) {
  const p = ctx.splitIso(iso);
  return p ? `${ctx.longDate(p.date)}, ${p.hm} ${ctx.offsetLabel(p.offset)}` : (iso || '');
}

function choiceText(c) {
  const when = c.departure ? whenText(c.departure) : ctx.longDate(c.date);
  return t('wait.choice', { train: c.train, when, cls: className(c.class) });
}

// The body of a request's card: state, choices, amount, refund, booking.
// opts: {headingLevel ('h3'), onShowBooking(booking)}
export function requestBodyEl(req, opts = {}) {
  const frag = document.createDocumentFragment();
  const badge = el('span', `state state-${req.state}`, stateText(req.state));
  badge.dataset.testid = 'wait-state';
  badge.dataset.state = req.state;
  frag.append(badge);
  const ol = el('ol', 'wait-choices');
  ol.setAttribute('aria-label', t('wait.choices'));
  (req.choices || []).forEach((c, i) => {
    const li = el('li', null, choiceText(c));
    if (req.fulfilled_choice === i) {
      li.classList.add('wait-won');
      li.append(' ', el('strong', null, t('wait.won')));
    }
    ol.append(li);
  });
  frag.append(ol);
  const dl = el('dl', 'journey');
  const add = (k, v, testid) => {
    const dd = el('dd', null, v);
    if (testid) dd.dataset.testid = testid;
    dl.append(el('dt', null, t(k)), dd);
  };
  add('book.route', `${ctx.stationName(req.from)} → ${ctx.stationName(req.to)}`);
  add('wait.passengers', (req.passengers || []).map((p) => p.name).join(', '));
  add('wait.paid', formatPrice(req.amount, req.currency), 'wait-amount');
  if (req.refund && (req.refund.amount > 0 || req.state !== 'fulfilled')) add('wait.refunded', formatPrice(req.refund.amount, req.refund.currency || req.currency), 'wait-refund');
  add('orders.reference', req.id);
  frag.append(dl);
  if (req.state === 'open') frag.append(el('p', 'hint', t('wait.open_hint')));
  if (req.state === 'fulfilled' && req.booking) {
    const p = el('p', 'wait-booking');
    p.dataset.testid = 'wait-booking';
    p.dataset.id = req.booking;
    p.append(t('wait.fulfilled', { id: req.booking }));
    frag.append(p);
    if (opts.onShowBooking) {
      const b = el('button', 'primary', t('orders.tickets'));
      b.type = 'button';
      b.dataset.testid = 'wait-tickets';
      b.setAttribute('aria-label', `${t('orders.tickets')} – ${t('book.reference', { id: req.booking })}`);
      b.addEventListener('click', async () => {
        const booking = req.booking_details || await request('GET', `api/v1/bookings/${encodeURIComponent(req.booking)}`);
        opts.onShowBooking(booking);
      });
      frag.append(b);
    }
  }
  return frag;
}

// ---- the panel ----

export function waitlistOpen() {
  return wv.mode !== null;
}

export function hideWaitlist() {
  stopPoll();
  clearTimeout(quoteTimer);
  wv.mode = null;
  const sec = section();
  if (sec) {
    sec.hidden = true;
    sec.replaceChildren();
  }
}

export function relabelWaitlist() {
  if (wv.mode) render(false);
}

function close() {
  hideWaitlist();
  ctx.showResults();
  document.querySelector('#trains [data-testid="join-waitlist"]')?.focus();
}

// Opens the form for the sold-out class `cls` of the train `offer`.
export function openWaitlist(offer, cls) {
  wv.mode = 'form';
  wv.from = offer.from;
  wv.to = offer.to;
  const n = offer.sales?.max_passengers;
  wv.maxSeated = Number.isInteger(n) && n > 0 ? Math.min(n, 5) : 5;
  wv.choices = [{
    train: offer.train,
    date: ctx.splitIso(offer.departure)?.date || offer.service_date,
    class: cls.class,
    departure: offer.departure,
    price: cls.price,
    currency: cls.currency,
  }];
  wv.passengers = [newPassenger()];
  wv.payment = paymentProviders[0]?.name || 'counter';
  wv.adding = { date: wv.choices[0].date, offers: null, loading: false, error: null, pick: '' };
  wv.quote = null;
  wv.error = null;
  wv.req = null;
  render(true);
}

// Shows a request (after it was made).
export function showRequest(req) {
  wv.mode = 'request';
  wv.req = req;
  wv.error = null;
  render(true);
}

function heading(key, vars) {
  const h = el('h2', 'book-title', t(key, vars));
  h.id = 'waitlist-title';
  h.tabIndex = -1;
  return h;
}

function errorBox() {
  const box = el('div', 'alert inline book-error');
  box.setAttribute('role', 'alert');
  box.dataset.testid = 'wait-error';
  if (wv.error) {
    box.append(el('strong', 'alert-title', t('error.title')), el('p', 'alert-text', errorText(wv.error)));
    if (wv.error.rule) box.dataset.rule = wv.error.rule;
  } else {
    box.hidden = true;
  }
  return box;
}

function render(focus) {
  const sec = section();
  if (!sec) return;
  stopPoll();
  sec.hidden = false;
  ctx.hideOthers?.();
  const results = document.getElementById('results');
  if (results) results.hidden = true;
  const out = wv.mode === 'form' ? formView() : requestView();
  sec.replaceChildren(...out);
  if (wv.mode === 'request' && wv.req?.state === 'open') startPoll();
  if (focus) sec.querySelector('h2')?.focus();
}

function rerender(id) {
  render(false);
  if (id) document.getElementById(id)?.focus();
}

function stretch() {
  return { from: `${wv.from.feed}:${wv.from.id}`, to: `${wv.to.feed}:${wv.to.id}` };
}

// ---- the form ----

function formView() {
  const out = [heading('wait.heading')];
  out.push(el('p', 'lede-small', t('wait.explain')));
  const form = el('form', 'card book-form');
  form.noValidate = true;
  form.setAttribute('aria-labelledby', 'waitlist-title');

  const fs = el('fieldset', 'wait-choice-set');
  fs.append(el('legend', null, t('wait.choices_legend', { n: MAX_CHOICES })));
  fs.append(el('p', 'hint', t('book.route') + ': ' + `${ctx.stationName(wv.from)} → ${ctx.stationName(wv.to)}`));
  const ol = el('ol', 'wait-choices');
  wv.choices.forEach((c, i) => {
    const li = el('li', 'wait-choice');
    li.dataset.testid = 'wait-choice';
    li.append(el('span', null, choiceText(c)));
    if (wv.choices.length > 1) {
      const rm = el('button', 'link-btn', t('book.remove'));
      rm.type = 'button';
      rm.setAttribute('aria-label', t('wait.remove_choice', { n: i + 1 }));
      rm.addEventListener('click', () => {
        wv.choices.splice(i, 1);
        scheduleQuote();
        rerender('wait-add-date');
      });
      li.append(' ', rm);
    }
    ol.append(li);
  });
  fs.append(ol);
  if (wv.choices.length < MAX_CHOICES) fs.append(addChoiceEl());
  form.append(fs);

  form.append(...passengerFieldsets(wv.passengers, {
    prefix: 'w',
    invalid: wv.error?.field,
    max: wv.maxSeated,
    rerender: (id) => rerender(id),
    changed: () => scheduleQuote(),
    cleared: () => {
      wv.error = null;
      const box = section().querySelector('.book-error');
      if (box) { box.hidden = true; box.replaceChildren(); }
    },
  }));

  const names = wv.passengers.map((p, i) => p.name.trim() || t('book.passenger', { n: i + 1 }));
  const dear = dearest();
  form.append(quoteEl(wv.quote, names, dear?.price));
  const pay = el('fieldset', 'wait-pay');
  pay.append(el('legend', null, t('wait.payment')));
  const radios = el('div', 'radios');
  for (const p of paymentProviders) {
    const label = el('label', 'radio');
    const r = el('input');
    r.type = 'radio';
    r.name = 'wait-payment';
    r.value = p.name;
    r.checked = wv.payment === p.name;
    r.addEventListener('change', () => { wv.payment = p.name; });
    label.append(r, ' ', el('span', null, t(p.label || p.name)));
    radios.append(label);
  }
  pay.append(radios, el('p', 'hint', t('wait.pay_hint')));
  form.append(pay);
  const submit = el('button', 'primary', t('wait.submit'));
  submit.type = 'submit';
  submit.dataset.testid = 'wait-submit';
  const back = el('button', 'secondary', t('book.back'));
  back.type = 'button';
  back.addEventListener('click', () => close());
  const actions = el('div', 'actions');
  actions.append(submit, back);
  form.append(errorBox(), actions);
  form.addEventListener('submit', (e) => { e.preventDefault(); submitRequest(submit); });
  out.push(form);
  if (!wv.quote) scheduleQuote();
  return out;
}

// The choice with the highest fare: the request is paid at that price.
function dearest() {
  return wv.choices.reduce((a, c) => (a && a.price >= c.price ? a : c), null);
}

// "Add a choice": a date, the trains of the stretch on it, one of their classes.
function addChoiceEl() {
  const a = wv.adding;
  const box = el('div', 'wait-add');
  box.append(el('h3', null, t('wait.add_heading')));
  const row = el('div', 'row');
  const f = el('div', 'field');
  const label = el('label', null, t('search.date'));
  label.htmlFor = 'wait-add-date';
  const date = el('input');
  date.type = 'date';
  date.id = 'wait-add-date';
  date.value = a.date || '';
  date.addEventListener('input', () => { a.date = date.value; });
  f.append(label, date);
  const find = el('button', 'secondary', t('wait.find'));
  find.type = 'button';
  find.dataset.testid = 'wait-find';
  find.addEventListener('click', () => findOffers());
  row.append(f, find);
  box.append(row);
  if (a.loading) box.append(el('p', 'muted', t('results.loading')));
  if (a.error) {
    const p = el('p', 'alert inline', errorText(a.error));
    p.setAttribute('role', 'alert');
    box.append(p);
  }
  if (a.offers) {
    const opts = [];
    for (const o of a.offers) {
      if (o.sales && !o.sales.open) continue;
      const d = ctx.splitIso(o.departure);
      for (const c of o.classes || []) {
        const key = `${o.train}|${d?.date || o.service_date}|${c.class}`;
        if (wv.choices.some((x) => `${x.train}|${x.date}|${x.class}` === key)) continue;
        opts.push({ key, o, c, d });
      }
    }
    if (!opts.length) {
      box.append(el('p', 'muted', t('wait.no_trains')));
    } else {
      const fw = el('div', 'field');
      const l2 = el('label', null, t('wait.pick'));
      l2.htmlFor = 'wait-add-pick';
      const sel = el('select');
      sel.id = 'wait-add-pick';
      sel.dataset.testid = 'wait-pick';
      for (const { key, o, c, d } of opts) {
        const free = c.free > 0 ? t('book.free', { n: c.free }) : t('book.sold_out');
        const op = el('option', null, `${o.train} · ${d ? d.hm : ''} · ${className(c.class)} · ${free} · ${formatPrice(c.price, c.currency)}`);
        op.value = key;
        op.selected = a.pick === key;
        sel.append(op);
      }
      if (!opts.some((x) => x.key === a.pick)) a.pick = opts[0].key;
      sel.addEventListener('change', () => { a.pick = sel.value; });
      fw.append(l2, sel);
      const addBtn = el('button', 'secondary', t('wait.add'));
      addBtn.type = 'button';
      addBtn.dataset.testid = 'wait-add';
      addBtn.addEventListener('click', () => {
        const hit = opts.find((x) => x.key === a.pick);
        if (!hit) return;
        wv.choices.push({
          train: hit.o.train, date: hit.d?.date || hit.o.service_date, class: hit.c.class,
          departure: hit.o.departure, price: hit.c.price, currency: hit.c.currency,
        });
        a.offers = null;
        scheduleQuote();
        rerender(wv.choices.length < MAX_CHOICES ? 'wait-add-date' : 'w0-name');
      });
      box.append(fw, addBtn);
    }
  }
  return box;
}

async function findOffers() {
  const a = wv.adding;
  if (!a.date) return;
  a.loading = true;
  a.error = null;
  rerender('wait-add-date');
  try {
    a.offers = await request('GET', `api/v1/offers?${new URLSearchParams({ ...stretch(), date: a.date })}`);
  } catch (e) {
    a.offers = null;
    a.error = e;
  }
  a.loading = false;
  if (wv.mode === 'form') rerender(a.offers ? 'wait-add-pick' : 'wait-add-date');
}

function scheduleQuote() {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(refreshQuote, 300);
}

async function refreshQuote() {
  const c = dearest();
  if (wv.mode !== 'form' || !c) return;
  const seq = ++quoteSeq;
  wv.quote = { loading: true, data: wv.quote?.data || null, error: null };
  let q;
  try {
    q = { loading: false, error: null, data: await fetchQuote({ ...stretch(), train: c.train, date: c.date, class: c.class, passengers: passengersBody(wv.passengers, true) }) };
  } catch (e) {
    q = { loading: false, data: null, error: { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details } };
  }
  if (seq !== quoteSeq || wv.mode !== 'form') return;
  wv.quote = q;
  const old = section().querySelector('[data-testid="quote"]');
  if (old) old.replaceWith(quoteEl(q, wv.passengers.map((p, i) => p.name.trim() || t('book.passenger', { n: i + 1 })), c.price));
}

async function submitRequest(submit) {
  const missing = missingField(wv.passengers);
  if (missing) {
    wv.error = { code: missing.key, field: `passengers[${missing.i}].${missing.f}` };
    rerender(`w${missing.i}-${missing.f}`);
    return;
  }
  submit.disabled = true;
  submit.setAttribute('aria-busy', 'true');
  const body = {
    ...stretch(),
    passengers: passengersBody(wv.passengers, false),
    choices: wv.choices.map((c) => ({ train: c.train, date: c.date, class: c.class })),
    payment: wv.payment,
  };
  try {
    const req = await request('POST', 'api/v1/waitlist', body);
    rememberRequests([req.id, ...rememberedRequests().filter((x) => x !== req.id)]);
    noteFulfilled(req);
    showRequest(req);
  } catch (e) {
    wv.error = { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details };
    render(false);
    const m = /^passengers\[(\d+)\]\.(\w+)$/.exec(e.field || '');
    if (m) document.getElementById(`w${m[1]}-${m[2]}`)?.focus();
  }
}

// ---- the request ----

function requestView() {
  const req = wv.req;
  const out = [heading('wait.request_heading')];
  const card = el('div', 'card order wait-request');
  card.dataset.testid = 'wait-request';
  card.dataset.id = req.id;
  card.dataset.state = req.state;
  card.append(requestBodyEl(req, {
    onShowBooking: (b) => {
      hideWaitlist();
      showBooking(b, () => showRequest(req));
    },
  }));
  out.push(card, errorBox());
  const actions = el('div', 'actions');
  if (req.state === 'open') {
    const refresh = el('button', 'secondary', t('wait.refresh'));
    refresh.type = 'button';
    refresh.dataset.testid = 'wait-refresh';
    refresh.addEventListener('click', () => poll(true));
    const cancel = el('button', 'secondary danger', t('wait.withdraw'));
    cancel.type = 'button';
    cancel.dataset.testid = 'wait-withdraw';
    cancel.disabled = wv.busy;
    cancel.addEventListener('click', () => withdraw(cancel));
    actions.append(refresh, cancel);
  }
  const back = el('button', 'secondary', t('book.back'));
  back.type = 'button';
  back.addEventListener('click', () => close());
  actions.append(back);
  out.push(actions);
  const live = el('p', 'visually-hidden');
  live.setAttribute('aria-live', 'polite');
  live.id = 'wait-live';
  out.push(live);
  return out;
}

async function poll(manual) {
  if (wv.mode !== 'request' || !wv.req) return;
  const id = wv.req.id;
  let req;
  try {
    req = await fetchRequest(id);
  } catch (e) {
    if (manual) { wv.error = e; render(false); }
    return;
  }
  if (wv.mode !== 'request' || wv.req?.id !== id) return;
  if (req.state === wv.req.state && !manual) return;
  wv.req = req;
  wv.error = null;
  noteFulfilled(req);
  const focusId = document.activeElement?.dataset?.testid;
  render(false);
  if (focusId) section().querySelector(`[data-testid="${focusId}"]`)?.focus();
  const live = document.getElementById('wait-live');
  if (live) live.textContent = stateText(req.state);
}

function startPoll() {
  stopPoll();
  pollTimer = setInterval(() => poll(false), POLL_MS);
}

function stopPoll() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = 0;
}

async function withdraw(btn) {
  btn.disabled = true;
  wv.busy = true;
  try {
    wv.req = await request('DELETE', wpath(wv.req.id));
    wv.error = null;
  } catch (e) {
    wv.error = e;
    try { wv.req = await fetchRequest(wv.req.id); } catch { /* keep it */ }
  }
  wv.busy = false;
  render(true);
}
