// lanxang booking flow: the classes of a train with free seats and price, the
// passenger form with the seat choice (any seat with a window/aisle wish, or seats
// picked on the seat map of seatmap.js), the provisional booking with its countdown,
// payment through a payment-provider interface, cancellation and the e-tickets with
// their QR code. Plain ES module; app.js hands it its helpers with initBooking().
//
// The countdown runs from the booking's `expires_in` (seconds left by the SERVER's
// clock, which tests fix with LANXANG_NOW) on the browser's monotonic clock
// (performance.now()); the browser's wall clock is never compared with `expires_at`.
//
// A payment provider is an object {name, label, pay(booking)}: `label` is an i18n key,
// pay() resolves to the confirmed booking (or throws an error with a `code`). The
// built-in one, "counter", confirms through POST /api/v1/bookings/{id}/fulfillments;
// real providers plug in later with registerPaymentProvider().
//
// Fares: each passenger has a fare type (adult, child, infant without a seat, student);
// children and infants need a birth date. The form asks POST /api/v1/fare-quotes for the
// price of the order as typed (debounced) and again before the hold, and shows each
// passenger's fare with how it was made; a refused passenger rule (child_age ...) is
// shown translated (book.rule.*). A sold-out class offers the waitlist (waitlist.js,
// through the app's joinWaitlist helper).

import { initSeatMap, seatMapEl } from './seatmap.js';

const MAX_PASSENGERS = 5;
const ORDERS_KEY = 'lanxang.orders';
const ORDERS_MAX = 50;
export const FARE_TYPES = ['adult', 'child', 'infant', 'student'];
const QUOTE_DELAY_MS = 300;

export function newPassenger(fareType = 'adult') {
  return { name: '', document: '', document_type: 'passport', fare_type: fareType, birth_date: '' };
}

// a fare type that is priced by age needs the passenger's birth date
export const needsBirthDate = (p) => p.fare_type === 'child' || p.fare_type === 'infant';
const seated = (list) => list.filter((p) => p.fare_type !== 'infant').length;

let ctx = null;                 // {t, el, timeEl, stationName, splitIso, locale, longDate}
const view = {
  mode: null,                   // 'form' | 'held' | 'tickets' | 'done' (cancelled / expired)
  offer: null,                  // the train object with `classes`
  cls: null,                    // the chosen class object
  passengers: [newPassenger()],
  booking: null,
  quote: null,                  // {loading, data, error} of the passengers as typed
  error: null,                  // {code, message, field}
  note: null,                   // i18n key of the message of the 'done' view
  seatMode: 'any',              // 'any' (the engine picks, with `pref`) | 'map'
  pref: '',                     // '' | 'window' | 'aisle'
  sm: null,                     // the seat map: {data, coach, chosen, max, loading, error}
  deadline: 0,                  // performance.now() at which the hold ends
  back: null,                   // where "back" leads when the panel was opened from elsewhere
};
let timer = 0;
let lastAnnouncedMinute = -1;
let quoteTimer = 0;
let quoteSeq = 0;

const section = () => document.getElementById('booking');

// ---- the API ----

export class BookError extends Error {
  constructor(code, message, field, status, details) {
    super(message);
    this.code = code;
    this.field = field;
    this.status = status;
    // a passenger rule's refusal: { rule, open_at, close_at, max_passengers }
    this.rule = details?.rule || null;
    this.details = details || null;
  }
}

export async function request(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { Accept: 'application/json' }
        : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new BookError('network', '', null, 0);
  }
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const e = data && data.error;
    throw new BookError(e?.code || 'http', e?.message || `HTTP ${res.status}`, e?.field || null, res.status, e);
  }
  return data;
}

// ---- payment providers ----

export const paymentProviders = [];

export function registerPaymentProvider(p) {
  if (!p || typeof p.name !== 'string' || typeof p.pay !== 'function')
    throw new TypeError('a payment provider needs a name and pay(booking)');
  paymentProviders.push(p);
}

registerPaymentProvider({
  name: 'counter',
  label: 'pay.counter',
  pay: (booking) => request('POST', `api/v1/bookings/${encodeURIComponent(booking.id)}/fulfillments`),
});

// ---- formatting ----

function t(key, vars) { return ctx.t(key, vars); }
function el(tag, cls, text) { return ctx.el(tag, cls, text); }

export function formatPrice(amount, currency) {
  if (amount === null || amount === undefined) return t('book.no_fare');
  try {
    return new Intl.NumberFormat(ctx.locale(), { style: 'currency', currency, maximumFractionDigits: 0 })
      .format(amount);
  } catch {
    return `${amount} ${currency || ''}`.trim();
  }
}

export function className(c) {
  const key = `class.${String(c).toLowerCase()}`;
  const s = t(key);
  return s === key ? c : s;
}

// "Sat 19 December 2026, 12:00 UTC+7" for an ISO time with offset, in the page's language
function whenText(iso) {
  const p = ctx.splitIso(iso);
  return p ? `${ctx.longDate(p.date)}, ${p.hm} ${ctx.offsetLabel(p.offset)}` : (iso || '');
}

// The translated refusal of a passenger rule (error.rule), with its time or limit.
function ruleText(err) {
  const d = err.details || {};
  const key = `book.rule.${err.rule}`;
  const s = t(key, { time: whenText(d.open_at || d.close_at), n: d.max_passengers });
  return s === key ? null : s;
}

export function errorText(err) {
  if (err.rule) {
    const r = ruleText(err);
    if (r) return r;
  }
  const key = `book.error.${err.code}`;
  const s = t(key);
  if (s !== key) return s;
  return err.message || t('error.title');
}

// mm:ss of `ms` milliseconds
export function countdownText(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// ---- the classes of a train in the result list ----

// Why a train cannot be booked now (its sales window), or null when it can.
function salesNote(offer) {
  const sl = offer.sales;
  if (!sl || sl.open) return null;
  if (sl.rule === 'sales_open') return t('book.sales.opens', { time: whenText(sl.open_at) });
  if (sl.rule === 'sales_close') return t('book.sales.closed_at', { time: whenText(sl.close_at) });
  return t('book.sales.departed');
}

export function classesEl(offer) {
  const classes = offer.classes || [];
  const note = salesNote(offer);
  const ul = el('ul', 'classes');
  ul.setAttribute('aria-label', t('book.classes', { train: offer.train }));
  for (const c of classes) {
    const li = el('li', 'class-offer');
    li.dataset.class = String(c.class).toLowerCase();
    const info = el('span', 'class-info');
    info.append(el('span', 'class-name', className(c.class)),
      el('span', 'class-free', c.free > 0 ? t('book.free', { n: c.free }) : t('book.sold_out')),
      el('span', 'class-price', formatPrice(c.price, c.currency)));
    const b = el('button', 'book-btn', t('book.book'));
    b.type = 'button';
    b.dataset.class = li.dataset.class;
    b.setAttribute('aria-label', t('book.book_aria', { train: offer.train, cls: className(c.class) }));
    b.disabled = !(c.free > 0) || note !== null;
    b.addEventListener('click', () => openForm(offer, c));
    li.append(info);
    if (!(c.free > 0) && note === null && ctx.joinWaitlist) {
      // sold out while on sale: a prepaid waitlist request instead
      const w = el('button', 'book-btn wait-btn', t('wait.join'));
      w.type = 'button';
      w.dataset.testid = 'join-waitlist';
      w.setAttribute('aria-label', t('wait.join_aria', { train: offer.train, cls: className(c.class) }));
      w.addEventListener('click', () => ctx.joinWaitlist(offer, c));
      li.append(w);
    } else {
      li.append(b);
    }
    ul.append(li);
  }
  if (note) {
    const li = el('li', 'sales-note', note);
    li.dataset.testid = 'sales-note';
    ul.append(li);
  }
  return ul;
}

// passengers an order may carry on the train of the form (its operator's rule)
function maxPassengers() {
  const n = view.offer?.sales?.max_passengers;
  return Number.isInteger(n) && n > 0 && n < MAX_PASSENGERS ? n : MAX_PASSENGERS;
}

// ---- the booking panel ----

function openForm(offer, cls) {
  stopTimer();
  view.mode = 'form';
  view.offer = offer;
  view.cls = cls;
  view.passengers = [newPassenger()];
  view.booking = null;
  view.quote = null;
  view.error = null;
  view.seatMode = 'any';
  view.pref = '';
  view.sm = null;
  view.back = null;
  render(true);
}

function close() {
  stopTimer();
  clearTimeout(quoteTimer);
  view.mode = null;
  section().hidden = true;
  section().replaceChildren();
  const back = view.back;
  view.back = null;
  if (back) return back();
  ctx.showResults();
  const first = document.querySelector('#trains .book-btn');
  if (first) first.focus();
}

// Shows a booking fetched elsewhere (My orders): its hold with the countdown, or its
// e-tickets; "back" calls `back`.
export function showBooking(booking, back) {
  stopTimer();
  setBooking(booking);
  view.error = null;
  view.back = back || null;
  view.mode = booking.state === 'confirmed' ? 'tickets' : 'held';
  render(true);
}

// Hides the panel (another view takes the page) and stops its countdown.
export function hideBooking() {
  stopTimer();
  clearTimeout(quoteTimer);
  view.mode = null;
  view.back = null;
  section().hidden = true;
  section().replaceChildren();
}

// the seconds left on a hold, by the server's clock
function secondsLeft(b, fresh) {
  if (typeof b.expires_in === 'number') return Math.max(0, b.expires_in);
  // a server without expires_in: right after it made or changed the hold, its
  // updated_at is its "now"
  if (fresh && b.expires_at && b.updated_at)
    return Math.max(0, (Date.parse(b.expires_at) - Date.parse(b.updated_at)) / 1000);
  return 0;
}

function setBooking(b, fresh) {
  view.booking = b;
  if (b.state === 'provisional') view.deadline = performance.now() + secondsLeft(b, fresh) * 1000;
}

// The ids of the bookings made in this browser, newest first (for My orders).
export function rememberedOrders() {
  try {
    const a = JSON.parse(localStorage.getItem(ORDERS_KEY) || '[]');
    return Array.isArray(a) ? a.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberOrders(ids) {
  try { localStorage.setItem(ORDERS_KEY, JSON.stringify(ids.slice(0, ORDERS_MAX))); } catch { /* storage may be disabled */ }
}

function rememberOrder(id) {
  rememberOrders([id, ...rememberedOrders().filter((x) => x !== id)]);
}

export function relabelBooking() {
  if (view.mode) render(false);
}

// A panel's heading, focusable (a panel focuses it when it opens), and its error box:
// hidden without an error. Shared with the journey panel (journeys.js).
export function panelHeading(id, key, vars) {
  const h = el('h2', 'book-title', t(key, vars));
  h.id = id;
  h.tabIndex = -1;
  return h;
}

export function panelErrorBox(error, testid) {
  const box = el('div', 'alert inline book-error');
  box.setAttribute('role', 'alert');
  box.dataset.testid = testid;
  if (error) {
    box.append(el('strong', 'alert-title', t('error.title')), el('p', 'alert-text', errorText(error)));
  } else {
    box.hidden = true;
  }
  return box;
}

function heading(key, vars) {
  return panelHeading('booking-title', key, vars);
}

function journeyEl(b) {
  // b: an offer or a booking: train, from, to, departure, arrival
  const dl = el('dl', 'journey');
  const add = (k, v) => {
    const dt = el('dt', null, t(k));
    const dd = el('dd');
    if (typeof v === 'string') dd.textContent = v; else dd.append(v);
    dl.append(dt, dd);
  };
  const date = ctx.splitIso(b.departure)?.date;
  add('book.train', b.train);
  add('book.route', `${ctx.stationName(b.from)} → ${ctx.stationName(b.to)}`);
  if (date) add('book.date', ctx.longDate(date));
  const times = el('span');
  times.append(ctx.timeEl(b.departure, date), ' – ', ctx.timeEl(b.arrival, date));
  add('book.times', times);
  return dl;
}

function errorBox() {
  return panelErrorBox(view.error, 'book-error');
}

function render(focus) {
  const sec = section();
  sec.hidden = false;
  stopTimer();
  const body = [];
  if (view.mode === 'form') body.push(...formView());
  else if (view.mode === 'held') body.push(...heldView());
  else if (view.mode === 'tickets') body.push(...ticketsView());
  else if (view.mode === 'done') body.push(...doneView());
  sec.replaceChildren(...body);
  const results = document.getElementById('results');
  if (results) results.hidden = true;
  ctx.hideOthers?.();
  if (view.mode === 'held') startTimer();
  if (focus) {
    const h = sec.querySelector('h2');
    if (h) h.focus();
  }
}

function refEl(b) {
  const p = el('p', 'book-ref', t('book.reference', { id: b.id }));
  p.dataset.testid = 'booking-ref';
  p.dataset.id = b.id;
  return p;
}

function backButton() {
  const b = el('button', 'secondary', t(view.back ? 'book.back_orders' : 'book.back'));
  b.type = 'button';
  b.dataset.testid = 'back';
  b.addEventListener('click', () => close());
  return b;
}

// ---- the passengers: name, document, its kind, fare type and birth date ----
//
// passengerFieldsets(list, opts) builds one fieldset per passenger of `list` (edited in
// place) for the booking form and the waitlist form. opts: {prefix (id prefix, "p"),
// invalid (the field name of an error, "passengers[1].birth_date"), max (passengers
// with a seat), rerender(focusId), changed() (a fare-relevant value changed)}.

function selectField(id, labelKey, value, options, testid, invalid, onChange) {
  const wrap = el('div', 'field');
  const label = el('label', null, t(labelKey));
  label.htmlFor = id;
  const sel = el('select');
  sel.id = id;
  sel.dataset.testid = testid;
  for (const [v, key] of options) {
    const o = el('option', null, t(key));
    o.value = v;
    o.selected = value === v;
    sel.append(o);
  }
  if (invalid) sel.setAttribute('aria-invalid', 'true');
  sel.addEventListener('change', () => { sel.removeAttribute('aria-invalid'); onChange(sel.value); });
  wrap.append(label, sel);
  return wrap;
}

// a field named by the error is being corrected: the error goes
function fixed(input, opts) {
  if (input.getAttribute('aria-invalid') !== 'true') return;
  input.removeAttribute('aria-invalid');
  opts.cleared?.();
}

function passengerFieldset(list, i, opts) {
  const p = list[i];
  const pre = opts.prefix || 'p';
  const bad = (f) => opts.invalid === `passengers[${i}].${f}`;
  const fs = el('fieldset', 'passenger');
  fs.dataset.testid = 'passenger';
  fs.append(el('legend', null, t('book.passenger', { n: i + 1 })));
  for (const [f, key, ac] of [['name', 'book.name', 'name'], ['document', 'book.document', 'off']]) {
    const wrap = el('div', 'field');
    const id = `${pre}${i}-${f}`;
    const label = el('label', null, t(key));
    label.htmlFor = id;
    const input = el('input');
    input.id = id;
    input.name = id;
    input.type = 'text';
    input.required = true;
    input.autocomplete = ac;
    input.spellcheck = false;
    input.maxLength = f === 'name' ? 127 : 63;
    input.value = p[f] || '';
    input.dataset.testid = `passenger-${f}`;
    if (bad(f)) input.setAttribute('aria-invalid', 'true');
    input.addEventListener('input', () => { p[f] = input.value; fixed(input, opts); });
    wrap.append(label, input);
    if (f === 'document') {
      const hint = el('p', 'hint', t('book.document_hint'));
      hint.id = `${id}-hint`;
      input.setAttribute('aria-describedby', hint.id);
      wrap.append(hint);
    }
    fs.append(wrap);
  }
  fs.append(selectField(`${pre}${i}-document_type`, 'book.document_type', p.document_type || 'passport',
    ['passport', 'national_id', 'family_book'].map((v) => [v, `book.doc.${v}`]),
    'passenger-document-type', bad('document_type'), (v) => { p.document_type = v; opts.cleared?.(); }));
  const ftId = `${pre}${i}-fare_type`;
  const ft = selectField(ftId, 'book.fare_type', p.fare_type || 'adult',
    FARE_TYPES.map((v) => [v, `fare.${v}`]), 'passenger-fare-type', bad('fare_type'), (v) => {
      p.fare_type = v;
      opts.cleared?.();
      opts.changed?.();
      opts.rerender(ftId);
    });
  const ftHint = el('p', 'hint', t(`fare.${p.fare_type || 'adult'}_hint`));
  ftHint.id = `${ftId}-hint`;
  ft.querySelector('select').setAttribute('aria-describedby', ftHint.id);
  ft.append(ftHint);
  fs.append(ft);
  // the birth date: required for the fares by age, optional for the others
  const wrap = el('div', 'field');
  const id = `${pre}${i}-birth_date`;
  const need = needsBirthDate(p);
  const label = el('label', null, t(need ? 'book.birth_date_required' : 'book.birth_date'));
  label.htmlFor = id;
  const input = el('input');
  input.id = id;
  input.type = 'date';
  input.autocomplete = 'bday';
  input.required = need;
  if (need) input.setAttribute('aria-required', 'true');
  input.value = p.birth_date || '';
  input.dataset.testid = 'passenger-birth-date';
  if (bad('birth_date')) input.setAttribute('aria-invalid', 'true');
  input.addEventListener('input', () => { p.birth_date = input.value; fixed(input, opts); opts.changed?.(); });
  wrap.append(label, input);
  fs.append(wrap);
  if (list.length > 1) {
    const rm = el('button', 'link-btn', t('book.remove'));
    rm.type = 'button';
    rm.setAttribute('aria-label', t('book.remove_aria', { n: i + 1 }));
    rm.addEventListener('click', () => {
      list.splice(i, 1);
      opts.changed?.();
      opts.rerender(`${pre}${Math.min(i, list.length - 1)}-name`);
    });
    fs.append(rm);
  }
  return fs;
}

export function passengerFieldsets(list, opts) {
  const out = list.map((_, i) => passengerFieldset(list, i, opts));
  const pre = opts.prefix || 'p';
  // an infant has no seat: it does not count against the seats of an order, but needs a
  // seated adult or student (one infant each)
  const max = opts.max;
  const laps = list.filter((p) => p.fare_type === 'adult' || p.fare_type === 'student').length;
  const infants = list.length - seated(list);
  const more = el('div', 'actions');
  for (const [key, testid, ft, off] of [
    ['book.add', 'add-passenger', 'adult', list.length >= MAX_PASSENGERS || seated(list) >= max],
    ['book.add_infant', 'add-infant', 'infant', list.length >= MAX_PASSENGERS || infants >= laps],
  ]) {
    const add = el('button', 'secondary', t(key));
    add.type = 'button';
    add.dataset.testid = testid;
    add.disabled = off;
    add.addEventListener('click', () => {
      list.push(newPassenger(ft));
      opts.changed?.();
      opts.rerender(`${pre}${list.length - 1}-name`);
    });
    more.append(add);
  }
  out.push(more, el('p', 'hint', t('book.max_seated', { n: max })));
  return out;
}

// The first passenger missing a value the server would refuse: {i, f, key} or null.
export function missingField(list) {
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (!p.name.trim()) return { i, f: 'name', key: 'missing' };
    if (!p.document.trim()) return { i, f: 'document', key: 'missing' };
    if (needsBirthDate(p) && !p.birth_date) return { i, f: 'birth_date', key: 'birth_date' };
  }
  return null;
}

// The passengers as the API takes them.
export function passengersBody(list, forQuote) {
  return list.map((p, i) => {
    const x = {
      // a quote of a form still being filled in: stand-ins for what is not typed yet
      name: p.name.trim() || (forQuote ? t('book.passenger', { n: i + 1 }) : ''),
      document: p.document.replace(/\s+/g, '') || (forQuote ? `QUOTE${i + 1}` : ''),
      document_type: p.document_type || 'passport',
      fare_type: p.fare_type || 'adult',
    };
    if (p.birth_date) x.birth_date = p.birth_date;
    return x;
  });
}

// ---- the fare quote ----

// The quote of `body` (a booking's body without seats): the promise of the API's answer.
export function fetchQuote(body) {
  const q = { ...body };
  delete q.seats;
  delete q.seat_preference;
  return request('POST', 'api/v1/fare-quotes', q);
}

function fareTypeName(ft) {
  const key = `fare.${ft}`;
  const s = t(key);
  return s === key ? ft : s;
}

// How a passenger's fare was made, in the page's language, from the quote's numbers
// (the API's own "note" is English; it stays in the title).
function fareNote(line, base, currency) {
  const vars = {
    type: fareTypeName(line.fare_type), age: line.age, pct: line.percent,
    base: formatPrice(base, currency), fare: formatPrice(line.fare, currency),
  };
  if (line.seat === false || line.fare === 0) return t(line.age === null || line.age === undefined ? 'quote.note_free' : 'quote.note_free_age', vars);
  let s = t(line.age === null || line.age === undefined ? 'quote.note' : 'quote.note_age', vars);
  const raw = typeof base === 'number' ? (base * line.percent) / 100 : null;
  if (raw !== null && raw !== line.fare) s += ` ${t('quote.rounded', { raw: formatPrice(raw, currency) })}`;
  return s;
}

// The quote box: {loading, data, error}; `names` label the lines, `base` is the
// class's adult fare.
export function quoteEl(quote, names, base) {
  const box = el('div', 'quote');
  box.dataset.testid = 'quote';
  box.setAttribute('aria-live', 'polite');
  box.append(el('h3', null, t('quote.heading')));
  if (!quote || quote.loading && !quote.data) {
    box.append(el('p', 'muted', t(quote ? 'quote.loading' : 'quote.none')));
    return box;
  }
  if (quote.error) {
    const p = el('p', 'alert inline quote-error', errorText(quote.error));
    p.setAttribute('role', 'alert');
    p.dataset.testid = 'quote-error';
    if (quote.error.rule) p.dataset.rule = quote.error.rule;
    box.append(p);
    return box;
  }
  const d = quote.data;
  const ul = el('ul', 'quote-lines');
  (d.passengers || []).forEach((line, i) => {
    const li = el('li', 'quote-line');
    li.dataset.testid = 'quote-line';
    li.dataset.fareType = line.fare_type;
    li.dataset.percent = String(line.percent);
    li.dataset.fare = String(line.fare);
    const head = el('span', 'quote-who');
    head.append(el('span', 'quote-name', names[i] || line.name), ' · ', el('span', 'quote-type', fareTypeName(line.fare_type)));
    const fare = el('span', 'quote-fare', formatPrice(line.fare, d.currency));
    const note = el('span', 'quote-note hint', fareNote(line, base, d.currency));
    note.title = line.note || '';
    li.append(head, fare, note);
    ul.append(li);
  });
  const total = el('p', 'quote-total', t('quote.total', { price: formatPrice(d.price, d.currency) }));
  total.dataset.testid = 'quote-total';
  total.dataset.price = String(d.price);
  box.append(ul, total);
  if (d.rounding) box.append(el('p', 'hint', t('quote.rounding')));
  if (quote.loading) box.setAttribute('aria-busy', 'true');
  return box;
}

function bookingBody() {
  const { offer, cls } = view;
  return {
    train: offer.train,
    date: ctx.splitIso(offer.departure)?.date || offer.service_date,
    from: `${offer.from.feed}:${offer.from.id}`,
    to: `${offer.to.feed}:${offer.to.id}`,
    class: cls.class,
  };
}

// Asks for the quote of the form as it is now; a later call wins.
async function refreshQuote() {
  clearTimeout(quoteTimer);
  if (view.mode !== 'form') return null;
  const seq = ++quoteSeq;
  view.quote = { loading: true, data: view.quote?.data || null, error: null };
  paintQuote();
  let q;
  try {
    q = { loading: false, data: await fetchQuote({ ...bookingBody(), passengers: passengersBody(view.passengers, true) }), error: null };
  } catch (e) {
    q = { loading: false, data: null, error: { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details } };
  }
  if (seq !== quoteSeq || view.mode !== 'form') return null;
  view.quote = q;
  paintQuote();
  return q;
}

function scheduleQuote() {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(refreshQuote, QUOTE_DELAY_MS);
}

// repaints the quote box alone (the form keeps its focus)
function paintQuote() {
  const old = section().querySelector('[data-testid="quote"]');
  if (!old) return;
  old.replaceWith(quoteEl(view.quote, view.passengers.map((p, i) => p.name.trim() || t('book.passenger', { n: i + 1 })), view.cls?.price));
}

function formView() {
  const { offer, cls } = view;
  const out = [heading('book.heading', { train: offer.train, cls: className(cls.class) })];
  out.push(journeyEl(offer));
  out.push(el('p', 'book-fare', t('book.fare_each', { price: formatPrice(cls.price, cls.currency) })));
  const form = el('form', 'card book-form');
  form.noValidate = true;
  form.setAttribute('aria-labelledby', 'booking-title');
  form.append(...passengerFieldsets(view.passengers, {
    prefix: 'p',
    invalid: view.error?.field,
    max: maxPassengers(),
    rerender: (id) => rerender(id),
    changed: () => scheduleQuote(),
    cleared: () => {
      view.error = null;
      const box = section().querySelector('.book-error');
      if (box) { box.hidden = true; box.replaceChildren(); }
    },
  }));
  const submit = el('button', 'primary', t('book.hold'));
  submit.type = 'submit';
  submit.dataset.testid = 'hold';
  form.append(seatsFieldset());
  form.append(quoteEl(view.quote, view.passengers.map((p, i) => p.name.trim() || t('book.passenger', { n: i + 1 })), cls.price));
  const actions = el('div', 'actions');
  actions.append(submit, backButton());
  form.append(errorBox(), actions);
  form.addEventListener('submit', (e) => { e.preventDefault(); hold(submit); });
  // names typed change the quote's labels only: refresh it when the field is left
  form.addEventListener('focusout', (e) => {
    if (/-(name|document)$/.test(e.target.id || '')) scheduleQuote();
  });
  out.push(form);
  if (!view.quote) scheduleQuote();
  return out;
}

// ---- the seat choice: any seat (with a wish) or seats from the seat map ----

function seatsFieldset() {
  const fs = el('fieldset', 'seat-choice');
  fs.append(el('legend', null, t('seat.heading')));
  const radios = el('div', 'radios');
  for (const [mode, key] of [['any', 'seat.any'], ['map', 'seat.map']]) {
    const label = el('label', 'radio');
    const r = el('input');
    r.type = 'radio';
    r.name = 'seat-mode';
    r.id = `seat-mode-${mode}`;
    r.value = mode;
    r.checked = view.seatMode === mode;
    r.dataset.testid = `seat-mode-${mode}`;
    r.addEventListener('change', () => {
      view.seatMode = mode;
      if (mode === 'map' && (!view.sm || view.sm.error)) loadSeatMap(r.id);
      else rerender(r.id);
    });
    label.append(r, ' ', el('span', null, t(key)));
    radios.append(label);
  }
  fs.append(radios);
  if (view.seatMode === 'any') {
    const wrap = el('div', 'field');
    const label = el('label', null, t('seat.pref'));
    label.htmlFor = 'seat-pref';
    const sel = el('select');
    sel.id = 'seat-pref';
    sel.dataset.testid = 'seat-pref';
    for (const [v, key] of [['', 'seat.pref_none'], ['window', 'seat.pref_window'], ['aisle', 'seat.pref_aisle']]) {
      const o = el('option', null, t(key));
      o.value = v;
      o.selected = view.pref === v;
      sel.append(o);
    }
    sel.addEventListener('change', () => { view.pref = sel.value; });
    wrap.append(label, sel, el('p', 'hint', t('seat.pref_hint')));
    fs.append(wrap);
  } else if (!view.sm || view.sm.loading) {
    const p = el('p', 'muted', t('seat.loading'));
    p.setAttribute('role', 'status');
    fs.append(p);
  } else if (view.sm.error) {
    const box = el('p', 'alert inline');
    box.setAttribute('role', 'alert');
    box.dataset.testid = 'seatmap-error';
    box.textContent = t('seat.unavailable');
    fs.append(box);
  } else {
    view.sm.max = seated(view.passengers);
    while (view.sm.chosen.length > view.sm.max) view.sm.chosen.shift();
    const n = view.sm.max;
    fs.append(el('p', 'hint', n === 1 ? t('seat.map_hint_one') : t('seat.map_hint', { n })),
      seatMapEl(view.sm, () => { view.error = null; }));
  }
  return fs;
}

// re-renders the panel and gives the focus back to the element with id `id`
function rerender(id) {
  render(false);
  if (id) document.getElementById(id)?.focus();
}

async function loadSeatMap(focusId) {
  const { offer, cls } = view;
  const keep = view.sm && !view.sm.error ? view.sm : null;
  view.sm = { data: null, coach: keep?.coach ?? null, chosen: [], max: seated(view.passengers), loading: true, error: null };
  rerender(focusId);
  const q = new URLSearchParams({
    date: ctx.splitIso(offer.departure)?.date || offer.service_date,
    from: `${offer.from.feed}:${offer.from.id}`,
    to: `${offer.to.feed}:${offer.to.id}`,
    class: cls.class,
  });
  const sm = view.sm;
  try {
    const data = await request('GET', `api/v1/trains/${encodeURIComponent(offer.train)}/seats?${q}`);
    const want = String(cls.class).toLowerCase();
    sm.data = (data.classes || []).find((c) => String(c.class).toLowerCase() === want) || null;
    if (!sm.data) sm.error = 'none';
  } catch (e) {
    sm.error = e.code || 'http';
  }
  sm.loading = false;
  // the form may have moved on (another class, a hold) meanwhile
  if (view.sm !== sm || view.mode !== 'form') return;
  rerender(document.activeElement?.id || focusId);
}

async function hold(submit) {
  const missing = missingField(view.passengers);
  if (missing) {
    view.error = { code: missing.key, field: `passengers[${missing.i}].${missing.f}` };
    render(false);
    document.getElementById(`p${missing.i}-${missing.f}`)?.focus();
    return;
  }
  submit.disabled = true;
  submit.setAttribute('aria-busy', 'true');
  const body = { ...bookingBody(), passengers: passengersBody(view.passengers, false) };
  // the price as it will be booked, shown before the hold; a refused rule stops here
  const q = await refreshQuote();
  if (q && q.error) {
    view.error = q.error;
    render(false);
    section().querySelector('[data-testid="quote-error"]')?.scrollIntoView({ block: 'nearest' });
    return;
  }
  const chosen = view.seatMode === 'map' && view.sm && !view.sm.error ? view.sm.chosen.slice(0, seated(view.passengers)) : [];
  if (chosen.length) body.seats = chosen;
  else if (view.pref && view.seatMode === 'any') body.seat_preference = view.pref;
  try {
    let booking;
    try {
      booking = await request('POST', 'api/v1/bookings', body);
    } catch (e) {
      // a server that does not know the wish yet: book without it
      if (e.field !== 'seat_preference') throw e;
      delete body.seat_preference;
      booking = await request('POST', 'api/v1/bookings', body);
    }
    setBooking(booking, true);
    rememberOrder(booking.id);
    view.error = null;
    view.mode = 'held';
    render(true);
  } catch (e) {
    view.error = { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details };
    if (e.code === 'seat_taken' && view.seatMode === 'map') return loadSeatMap(null);
    render(false);
    const m = /^passengers\[(\d+)\]\.(name|document|birth_date|fare_type|document_type)$/.exec(e.field || '');
    if (m) document.getElementById(`p${m[1]}-${m[2]}`)?.focus();
    else section().querySelector('.book-error')?.focus?.();
  }
}

function heldView() {
  const b = view.booking;
  const out = [heading('book.held_heading')];
  out.push(refEl(b));
  out.push(journeyEl(b));
  const seats = el('ul', 'seats');
  seats.setAttribute('aria-label', t('book.seats'));
  for (const p of b.passengers || b.tickets || []) {
    const li = el('li', 'seat-item');
    li.append(el('span', 'seat', p.seat || t('book.no_seat')), ' ', el('span', null, p.name));
    if (p.fare_type) li.append(' · ', el('span', 'fare-type', fareTypeName(p.fare_type)));
    if (typeof p.fare === 'number') li.append(' · ', el('span', 'fare', formatPrice(p.fare, b.currency)));
    seats.append(li);
  }
  out.push(el('h3', null, t('book.seats')), seats);
  out.push(el('p', 'book-total', t('book.total', {
    price: formatPrice(b.price, b.currency), cls: className(b.class),
  })));
  const cd = el('p', 'countdown');
  const label = el('span', null, t('book.time_left'));
  label.id = 'countdown-label';
  const clock = el('span', 'clock', countdownText(view.deadline - performance.now()));
  clock.setAttribute('role', 'timer');
  clock.setAttribute('aria-labelledby', 'countdown-label');
  clock.dataset.testid = 'countdown';
  cd.append(label, ' ', clock);
  const live = el('p', 'visually-hidden');
  live.id = 'countdown-live';
  live.setAttribute('aria-live', 'polite');
  live.setAttribute('aria-atomic', 'true');
  out.push(cd, live);
  out.push(errorBox());
  const actions = el('div', 'actions');
  for (const p of paymentProviders) {
    const pay = el('button', 'primary pay', t(p.label || p.name));
    pay.type = 'button';
    pay.dataset.provider = p.name;
    pay.dataset.testid = `pay-${p.name}`;
    pay.addEventListener('click', () => payWith(p, pay));
    actions.append(pay);
  }
  const cancel = el('button', 'secondary danger', t('book.cancel'));
  cancel.type = 'button';
  cancel.dataset.testid = 'cancel';
  cancel.addEventListener('click', () => cancelBooking(cancel));
  actions.append(cancel);
  out.push(actions);
  return out;
}

function startTimer() {
  lastAnnouncedMinute = -1;
  const tick = () => {
    const clock = section().querySelector('[data-testid="countdown"]');
    if (!clock || !view.booking) return stopTimer();
    const left = view.deadline - performance.now();
    clock.textContent = countdownText(left);
    const min = Math.ceil(left / 60000);
    if (min !== lastAnnouncedMinute && (lastAnnouncedMinute === -1 || min <= 5 || min % 5 === 0)) {
      lastAnnouncedMinute = min;
      const live = document.getElementById('countdown-live');
      if (live) live.textContent = t('book.minutes_left', { n: Math.max(0, min) });
    }
    if (left <= 0) {
      stopTimer();
      view.mode = 'done';
      view.note = 'book.expired';
      render(true);
    }
  };
  tick();
  timer = setInterval(tick, 1000);
}

function stopTimer() {
  if (timer) clearInterval(timer);
  timer = 0;
}

async function payWith(provider, btn) {
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    const confirmed = await provider.pay(view.booking);
    setBooking(confirmed);
    view.error = null;
    view.mode = 'tickets';
    render(true);
  } catch (e) {
    view.error = { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details };
    if (e.code === 'expired') { view.mode = 'done'; view.note = 'book.expired'; }
    render(view.mode !== 'held');
  }
}

async function cancelBooking(btn) {
  btn.disabled = true;
  try {
    setBooking(await request('DELETE', `api/v1/bookings/${encodeURIComponent(view.booking.id)}`));
    view.error = null;
    view.mode = 'done';
    view.note = 'book.cancelled';
    render(true);
  } catch (e) {
    view.error = { code: e.code, message: e.message, field: e.field, rule: e.rule, details: e.details };
    render(false);
  }
}

function doneView() {
  const out = [heading(view.note || 'book.cancelled')];
  if (view.booking) out.push(refEl(view.booking));
  out.push(errorBox());
  const actions = el('div', 'actions');
  if (view.note === 'book.expired') {
    // the seats counts have changed: search again
    const again = el('button', 'primary', t('book.search_again'));
    again.type = 'button';
    again.dataset.testid = 'search-again';
    again.addEventListener('click', () => {
      view.back = null;
      close();
      ctx.searchAgain();
    });
    actions.append(again);
  }
  actions.append(backButton());
  out.push(actions);
  return out;
}

function ticketsView() {
  const b = view.booking;
  const out = [heading('book.tickets_heading')];
  out.push(refEl(b));
  out.push(el('p', 'book-total', t('book.paid', { price: formatPrice(b.price, b.currency) })));
  const list = el('ol', 'tickets');
  const date = ctx.splitIso(b.departure)?.date;
  (b.tickets || []).forEach((tk, i) => {
    const li = el('li', 'ticket');
    li.dataset.testid = 'ticket';
    const art = el('article');
    const h = el('h3', null, t('book.ticket_n', { n: i + 1, of: b.tickets.length }));
    const dl = el('dl', 'journey');
    const add = (k, v, cls) => {
      const dd = el('dd', cls);
      if (typeof v === 'string') dd.textContent = v; else dd.append(v);
      dl.append(el('dt', null, t(k)), dd);
    };
    add('book.passenger_name', tk.name);
    const px = (b.passengers || []).find((x) => x.seat && x.seat === tk.seat);
    if (px?.fare_type) add('book.fare_type', `${fareTypeName(px.fare_type)} · ${formatPrice(px.fare, b.currency)}`);
    add('book.seat', tk.seat, 'seat');
    add('book.class', className(b.class));
    add('book.train', b.train);
    add('book.route', `${ctx.stationName(b.from)} → ${ctx.stationName(b.to)}`);
    if (date) add('book.date', ctx.longDate(date));
    const times = el('span');
    times.append(ctx.timeEl(b.departure, date), ' – ', ctx.timeEl(b.arrival, date));
    add('book.times', times);
    const fig = el('figure', 'qr');
    const img = el('img', 'qr-img');
    img.src = `api/v1/bookings/${encodeURIComponent(b.id)}/tickets/${i + 1}/qr.svg`;
    img.alt = t('book.qr_alt', { n: i + 1, train: b.train, seat: tk.seat, name: tk.name });
    img.width = 240;
    img.height = 240;
    img.dataset.testid = 'qr-img';
    const missing = el('p', 'hint qr-missing', t('book.qr_missing'));
    missing.hidden = true;
    img.addEventListener('error', () => { img.hidden = true; missing.hidden = false; });
    const det = el('details', 'qr-text');
    const code = el('code', 'qr-payload', tk.qr_payload || '');
    code.dataset.testid = 'qr-payload';
    code.tabIndex = 0;
    code.setAttribute('aria-label', t('book.qr_payload'));
    det.append(el('summary', null, t('book.qr_payload')), code);
    fig.append(img, missing, el('figcaption', 'hint', t('book.qr_hint')), det);
    art.append(h, dl, fig);
    li.append(art);
    list.append(li);
  });
  out.push(list);
  // infants travel on a lap, without a ticket of their own
  const laps = (b.passengers || []).filter((x) => !x.seat);
  if (laps.length) {
    const ul = el('ul', 'lap-list');
    for (const x of laps) ul.append(el('li', null, t('book.on_lap', { name: x.name })));
    out.push(ul);
  }
  const actions = el('div', 'actions');
  const print = el('button', 'secondary', t('book.print'));
  print.type = 'button';
  print.addEventListener('click', () => window.print());
  actions.append(print, backButton());
  out.push(actions);
  return out;
}

export function initBooking(helpers) {
  ctx = helpers;
  initSeatMap({ t: helpers.t, el: helpers.el });
}
