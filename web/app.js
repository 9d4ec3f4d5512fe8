// lanxang timetable page: station search with autocomplete, the trains between two
// stations on a date, and the full timetable of a train. Plain ES module, no build.
//
// Every text of the interface comes from i18n/<lang>.json (keys in data-i18n*
// attributes of index.html and t() calls here); station names come from the API in
// all three languages ("names": {"en","lo","zh"}) and are shown in the chosen one.
// Times are shown as the API gives them: in each station's own zone, with the
// offset marked ("08:08 UTC+8"), never converted to the browser's zone.

import { initBooking, classesEl, relabelBooking, hideBooking } from './book.js';
import { initOrders, openOrders, closeOrders, relabelOrders, ordersOpen } from './orders.js';
import { initWaitlist, openWaitlist, hideWaitlist, relabelWaitlist } from './waitlist.js';
import { initJourneys, journeyMode, searchJourneys, hideJourneys, relabelJourneys } from './journeys.js';

const LANGS = ['en', 'lo', 'zh'];
const LOCALES = { en: 'en-GB', lo: 'lo-LA', zh: 'zh-CN' };
const SUGGEST_LIMIT = 8;
const SUGGEST_DELAY_MS = 120;

const state = {
  lang: 'en',
  dict: {},
  fallback: {},
  last: null,        // {query, trains} of the shown results, re-rendered on a language change
};

const $ = (sel) => document.querySelector(sel);

// ---- text ----

function t(key, vars = {}) {
  let s = state.dict[key] ?? state.fallback[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

async function loadDict(lang) {
  const res = await fetch(`i18n/${lang}.json`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`i18n/${lang}.json: ${res.status}`);
  return res.json();
}

function pickLang() {
  const url = new URLSearchParams(location.search).get('lang');
  if (LANGS.includes(url)) return url;
  try {
    const saved = localStorage.getItem('lanxang.lang');
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage may be disabled */ }
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().slice(0, 2);
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

async function setLang(lang) {
  try {
    if (!Object.keys(state.fallback).length) state.fallback = await loadDict('en');
    state.dict = lang === 'en' ? state.fallback : await loadDict(lang);
    state.lang = lang;
  } catch {
    state.dict = state.fallback;
    state.lang = Object.keys(state.fallback).length ? 'en' : lang;
  }
  try { localStorage.setItem('lanxang.lang', state.lang); } catch { /* ignore */ }
  applyText();
}

function applyText() {
  document.documentElement.lang = state.lang;
  document.title = t('page_title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria]'))
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of document.querySelectorAll('[data-i18n-title]'))
    el.title = t(el.dataset.i18nTitle);
  for (const b of document.querySelectorAll('.lang'))
    b.setAttribute('aria-pressed', String(b.dataset.lang === state.lang));
  boxes.forEach((b) => b.relabel());
  if (state.last) renderResults(state.last.query, state.last.trains, false);
  if (!$('#error').hidden && lastError) showError(lastError);
  relabelBooking();
  relabelOrders();
  relabelWaitlist();
  relabelJourneys();
}

// ---- formatting ----

function stationName(st) {
  if (!st) return '';
  return (st.names && st.names[state.lang]) || st.name || st.id;
}

// "2026-12-20T08:08:00+08:00" -> {date, hm, offset}
function splitIso(s) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2})?(Z|[+-]\d{2}:\d{2})$/.exec(s || '');
  if (!m) return null;
  return { date: m[1], hm: `${m[2]}:${m[3]}`, offset: m[4] };
}

// "+08:00" -> "UTC+8", "+05:45" -> "UTC+5:45", "-04:00" -> "UTC−4"
function offsetLabel(off) {
  if (off === 'Z' || off === '+00:00' || off === '-00:00') return 'UTC';
  const sign = off[0] === '-' ? '−' : '+';
  const h = Number(off.slice(1, 3));
  const m = off.slice(4, 6);
  return `UTC${sign}${h}${m === '00' ? '' : `:${m}`}`;
}

function dayDiff(a, b) {
  const ms = (d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10));
  return Math.round((ms(a) - ms(b)) / 86400000);
}

// A <time> element with the local time, the zone mark and a "+1" for a later day.
function timeEl(iso, refDate) {
  const p = splitIso(iso);
  const wrap = document.createElement('span');
  wrap.className = 'time';
  if (!p) {
    wrap.textContent = '—';
    return wrap;
  }
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = p.hm;
  const tz = document.createElement('span');
  tz.className = 'tz';
  tz.textContent = offsetLabel(p.offset);
  wrap.append(time, ' ', tz);
  const days = refDate ? dayDiff(p.date, refDate) : 0;
  if (days > 0) {
    const plus = document.createElement('span');
    plus.className = 'plus-day';
    plus.textContent = `+${days}`;
    plus.title = t('time.next_day', { n: days });
    plus.setAttribute('aria-label', t('time.next_day', { n: days }));
    wrap.append(' ', plus);
  }
  return wrap;
}

function durationText(min) {
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h ? t('duration', { h, m }) : t('duration.min', { m });
}

// The date in words. Intl knows Lao only where the browser ships its locale data, so
// the page's own month and weekday names (i18n "date.*") are the fallback.
function longDate(ymd) {
  const y = +ymd.slice(0, 4);
  const mo = +ymd.slice(5, 7);
  const d = +ymd.slice(8, 10);
  const date = new Date(Date.UTC(y, mo - 1, d));
  const locale = LOCALES[state.lang];
  try {
    if (Intl.DateTimeFormat.supportedLocalesOf([locale]).length) {
      return new Intl.DateTimeFormat(locale, {
        weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC',
      }).format(date);
    }
  } catch { /* fall through */ }
  const months = state.dict['date.months'] || state.fallback['date.months'];
  const days = state.dict['date.weekdays'] || state.fallback['date.weekdays'];
  if (!months || !days) return ymd;
  return t('date.long', { weekday: days[date.getUTCDay()], day: d, month: months[mo - 1], year: y });
}

function todayLocal() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- the API ----

class ApiError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

async function api(path, signal) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('network', t('error.network'), null);
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(err?.code || 'http', err?.message || `HTTP ${res.status}`, err?.field || null);
  }
  return body;
}

// ---- the error box ----

let lastError = null;

function showError(err) {
  lastError = err;
  const titles = {
    not_found: 'error.not_found', ambiguous: 'error.ambiguous', invalid: 'error.invalid',
    network: 'error.network_title',
  };
  $('#error-title').textContent = t(titles[err.code] || 'error.title');
  $('#error-text').textContent = err.localKey ? t(err.localKey) : err.message;
  $('#error').hidden = false;
  for (const f of ['from', 'to', 'date']) {
    const input = $(`#${f}`);
    if (err.field === f) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function hideError() {
  lastError = null;
  $('#error').hidden = true;
  for (const f of ['from', 'to', 'date']) $(`#${f}`).removeAttribute('aria-invalid');
}

// ---- station combobox (WAI-ARIA 1.2 combobox with a listbox popup) ----

class StationBox {
  constructor(input, list) {
    this.input = input;
    this.list = list;
    this.station = null;   // the chosen station object, or null while typing
    this.options = [];
    this.active = -1;
    this.timer = 0;
    this.abort = null;
    input.addEventListener('input', () => {
      this.station = null;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.suggest(), SUGGEST_DELAY_MS);
    });
    input.addEventListener('keydown', (e) => this.key(e));
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    // keep the focus in the input while an option is clicked
    list.addEventListener('mousedown', (e) => e.preventDefault());
    list.addEventListener('click', (e) => {
      const li = e.target.closest('[role="option"]');
      if (li) this.choose(this.options[Number(li.dataset.index)]);
    });
  }

  // what the API is asked for: the chosen station's id, or the text as typed
  value() {
    return this.station ? `${this.station.feed}:${this.station.id}` : this.input.value.trim();
  }

  set(st) {
    this.station = st;
    this.input.value = stationName(st);
  }

  relabel() {
    if (this.station) this.input.value = stationName(this.station);
    if (!this.list.hidden) this.render();
  }

  async suggest() {
    const q = this.input.value.trim();
    if (!q) return this.close();
    if (this.abort) this.abort.abort();
    this.abort = new AbortController();
    const params = new URLSearchParams({ q, lang: state.lang, limit: String(SUGGEST_LIMIT) });
    try {
      this.options = await api(`api/v1/stations?${params}`, this.abort.signal);
    } catch (e) {
      if (e.name !== 'AbortError') this.close();
      return;
    }
    this.active = -1;
    this.render();
  }

  render() {
    this.list.replaceChildren();
    if (!this.options.length) {
      const li = el('li', 'suggest-empty', t('suggest.none'));
      li.setAttribute('role', 'option');
      li.setAttribute('aria-disabled', 'true');
      this.list.append(li);
    }
    this.options.forEach((st, i) => {
      const li = el('li', 'option');
      li.id = `${this.list.id}-${i}`;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === this.active));
      li.dataset.index = String(i);
      const main = stationName(st);
      const others = [...new Set(Object.values(st.names || {}))].filter((n) => n && n !== main);
      li.append(el('span', 'opt-name', main));
      if (others.length) li.append(el('span', 'opt-other', others.join(' · ')));
      if (st.code) li.append(el('span', 'opt-code', st.code));
      this.list.append(li);
    });
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.mark();
  }

  mark() {
    [...this.list.querySelectorAll('.option')].forEach((li, i) => {
      li.setAttribute('aria-selected', String(i === this.active));
      if (i === this.active) li.scrollIntoView({ block: 'nearest' });
    });
    if (this.active >= 0) this.input.setAttribute('aria-activedescendant', `${this.list.id}-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }

  close() {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  choose(st) {
    if (!st) return;
    this.set(st);
    this.close();
    this.input.dispatchEvent(new CustomEvent('station-chosen', { bubbles: true }));
  }

  key(e) {
    const open = !this.list.hidden && this.options.length > 0;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!open) { this.suggest(); return; }
        this.active = (this.active + 1) % this.options.length;
        this.mark();
        break;
      case 'ArrowUp':
        if (!open) return;
        e.preventDefault();
        this.active = this.active <= 0 ? this.options.length - 1 : this.active - 1;
        this.mark();
        break;
      case 'Enter':
        if (open && this.active >= 0) {
          e.preventDefault();
          this.choose(this.options[this.active]);
        } else {
          this.close();
        }
        break;
      case 'Escape':
        if (!this.list.hidden) {
          e.preventDefault();
          this.close();
        }
        break;
      case 'Tab':
        if (open && this.active >= 0) this.choose(this.options[this.active]);
        break;
      default:
        break;
    }
  }
}

const boxes = [];
let fromBox;
let toBox;

// ---- search and results ----

let searchAbort = null;

async function search(ev, pushUrl = true) {
  if (ev) ev.preventDefault();
  hideError();
  const query = { from: fromBox.value(), to: toBox.value(), date: $('#date').value };
  if (ordersOpen()) closeOrders(false);
  hideBooking();
  hideWaitlist();
  hideJourneys();
  if (!query.from) return focusError('from', 'error.missing_from');
  if (!query.to) return focusError('to', 'error.missing_to');
  if (!query.date) return focusError('date', 'error.missing_date');
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const go = $('#go');
  go.disabled = true;
  $('#results').setAttribute('aria-busy', 'true');
  $('#status').textContent = t('results.loading');
  try {
    if (journeyMode()) {
      // journeys with changes of train (journeys.js) instead of the trains
      $('#results').hidden = true;
      state.last = null;
      await searchJourneys(query);
      return;
    }
    // offers: the trains with free seats and price per class; a server that does not
    // sell seats answers 503 busy, then the plain timetable search is used
    let trains;
    try {
      trains = await api(`api/v1/offers?${new URLSearchParams(query)}`, searchAbort.signal);
    } catch (e) {
      if (e.code !== 'busy' && e.code !== 'http') throw e;
      trains = await api(`api/v1/trains?${new URLSearchParams(query)}`, searchAbort.signal);
    }
    // the server resolved the names: show them as it understood them
    if (trains.length) {
      if (!fromBox.station) fromBox.set(trains[0].from);
      if (!toBox.station) toBox.set(trains[0].to);
    } else {
      await Promise.all([
        fromBox.station ? null : stationFromParam(fromBox, query.from),
        toBox.station ? null : stationFromParam(toBox, query.to),
      ]);
    }
    state.last = { query, trains };
    renderResults(query, trains, true);
    if (pushUrl) {
      const p = new URLSearchParams({ ...query, lang: state.lang });
      history.replaceState(null, '', `?${p}`);
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    $('#results').hidden = true;
    state.last = null;
    showError(e);
    if (e.field && $(`#${e.field}`)) $(`#${e.field}`).focus();
  } finally {
    go.disabled = false;
    $('#results').removeAttribute('aria-busy');
  }
}

function focusError(field, key) {
  showError({ code: 'invalid', localKey: key, field });
  $(`#${field}`).focus();
}

function renderResults(query, trains, announce) {
  const fromName = trains.length ? stationName(trains[0].from) : (fromBox.station ? stationName(fromBox.station) : query.from);
  const toName = trains.length ? stationName(trains[0].to) : (toBox.station ? stationName(toBox.station) : query.to);
  $('#results-title').textContent = t('results.heading', { from: fromName, to: toName });
  const count = trains.length === 1 ? t('results.count_one') : t('results.count', { n: trains.length });
  $('#results-count').textContent = `${longDate(query.date)} · ${count}`;
  const list = $('#trains');
  const open = new Set([...list.querySelectorAll('[aria-expanded="true"]')].map((b) => b.dataset.key));
  list.replaceChildren();
  trains.forEach((tr, i) => list.append(trainItem(tr, i, query.date, open)));
  $('#no-trains').hidden = trains.length > 0;
  $('#results').hidden = false;
  if (announce) $('#status').textContent = count;
}

function trainItem(tr, i, date, open) {
  const li = el('li', 'train');
  li.dataset.train = tr.train;
  const btn = el('button', 'train-row');
  btn.type = 'button';
  btn.dataset.key = `${tr.trip_id}|${tr.service_date}`;
  btn.setAttribute('aria-expanded', 'false');
  btn.setAttribute('aria-controls', `tt-${i}`);

  const no = el('span', 'train-no', tr.train);
  const dep = el('span', 'end dep');
  dep.append(timeEl(tr.departure, date), el('span', 'end-station', stationName(tr.from)));
  const mid = el('span', 'mid');
  mid.append(el('span', 'dur', durationText(tr.duration_minutes)), el('span', 'rail'));
  const arr = el('span', 'end arr');
  arr.append(timeEl(tr.arrival, date), el('span', 'end-station', stationName(tr.to)));
  const more = el('span', 'more');
  more.append(el('span', 'visually-hidden', t('timetable.show', { train: tr.train })));
  btn.append(no, dep, mid, arr, more);

  const panel = el('div', 'timetable');
  panel.id = `tt-${i}`;
  panel.hidden = true;
  btn.addEventListener('click', () => toggleTimetable(btn, panel, tr));
  li.append(btn);
  if (tr.classes && tr.classes.length) li.append(classesEl(tr));
  li.append(panel);
  if (open.has(btn.dataset.key)) toggleTimetable(btn, panel, tr);
  return li;
}

async function toggleTimetable(btn, panel, tr) {
  const expanded = btn.getAttribute('aria-expanded') === 'true';
  btn.setAttribute('aria-expanded', String(!expanded));
  panel.hidden = expanded;
  if (expanded) return;
  panel.replaceChildren(el('p', 'muted', t('timetable.loading')));
  try {
    const path = `api/v1/trains/${encodeURIComponent(tr.train)}/timetable?date=${encodeURIComponent(tr.service_date)}`;
    const runs = await api(path);
    const run = runs.find((r) => r.trip_id === tr.trip_id) || runs[0];
    panel.replaceChildren(timetableTable(run, tr));
  } catch (e) {
    const box = el('div', 'alert inline');
    box.setAttribute('role', 'alert');
    box.append(el('strong', 'alert-title', t('error.title')), el('p', 'alert-text', e.message));
    panel.replaceChildren(box);
  }
}

function timetableTable(run, leg) {
  const table = el('table', 'stops');
  const cap = el('caption');
  cap.append(el('strong', null, t('timetable.heading', { train: run.train })));
  const sub = [run.route, run.headsign ? t('timetable.towards', { headsign: run.headsign }) : null]
    .filter(Boolean).join(' · ');
  if (sub) cap.append(el('span', 'cap-sub', sub));
  table.append(cap);
  const head = el('thead');
  const hr = el('tr');
  for (const k of ['timetable.station', 'timetable.arrival', 'timetable.departure']) {
    const th = el('th', null, t(k));
    th.scope = 'col';
    hr.append(th);
  }
  head.append(hr);
  table.append(head);
  const body = el('tbody');
  let onLeg = false;
  for (const s of run.stops) {
    const isFrom = s.station.id === leg.from.id && s.station.feed === leg.from.feed;
    const isTo = s.station.id === leg.to.id && s.station.feed === leg.to.feed;
    if (isFrom) onLeg = true;
    const tr = el('tr', onLeg ? 'on-leg' : null);
    if (isFrom || isTo) tr.classList.add('leg-end');
    const th = el('th', 'stop-name');
    th.scope = 'row';
    th.append(el('span', null, stationName(s.station)));
    if (s.station.country) th.append(el('span', 'country', s.station.country));
    const a = el('td');
    a.append(s.arrival ? timeEl(s.arrival, run.service_date) : el('span', 'muted', t('timetable.start')));
    const d = el('td');
    d.append(s.departure ? timeEl(s.departure, run.service_date) : el('span', 'muted', t('timetable.end')));
    tr.append(th, a, d);
    body.append(tr);
    if (isTo) onLeg = false;
  }
  table.append(body);
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  return wrap;
}

// ---- start ----

async function stationFromParam(box, value) {
  if (!value) return;
  box.input.value = value;
  try {
    box.set(await api(`api/v1/stations/${encodeURIComponent(value)}`));
  } catch { /* keep the text; the search will explain */ }
}

async function main() {
  // the results come back when the booking panel or My orders closes (if a search ran)
  const showResults = () => { if (state.last) $('#results').hidden = false; };
  initBooking({
    t, el, timeEl, stationName, splitIso, longDate, offsetLabel, locale: () => LOCALES[state.lang],
    showResults,
    hideOthers: () => { if (ordersOpen()) closeOrders(false); hideWaitlist(); },
    searchAgain: () => { $('#search').requestSubmit(); },
    joinWaitlist: (offer, cls) => openWaitlist(offer, cls),
  });
  initOrders({ t, el, timeEl, stationName, splitIso, longDate, offsetLabel, showResults });
  initWaitlist({
    t, el, timeEl, stationName, splitIso, longDate, offsetLabel, showResults,
    hideOthers: () => { if (ordersOpen()) closeOrders(false); hideBooking(); },
  });
  initJourneys({ t, el, timeEl, stationName, splitIso, longDate });
  fromBox = new StationBox($('#from'), $('#from-list'));
  toBox = new StationBox($('#to'), $('#to-list'));
  boxes.push(fromBox, toBox);

  await setLang(pickLang());

  for (const b of document.querySelectorAll('.lang')) {
    b.addEventListener('click', async () => {
      await setLang(b.dataset.lang);
      if (state.last) {
        const p = new URLSearchParams({ ...state.last.query, lang: state.lang });
        history.replaceState(null, '', `?${p}`);
      }
    });
  }
  $('#swap').addEventListener('click', () => {
    const a = fromBox.station;
    const av = fromBox.input.value;
    if (toBox.station) fromBox.set(toBox.station); else { fromBox.station = null; fromBox.input.value = toBox.input.value; }
    if (a) toBox.set(a); else { toBox.station = null; toBox.input.value = av; }
  });
  $('#error-close').addEventListener('click', () => hideError());
  $('#orders-open').addEventListener('click', () => openOrders());
  $('#search').addEventListener('submit', (e) => search(e));
  // a chosen "From" moves on to "To"; a chosen "To" moves on to the date
  $('#from').addEventListener('station-chosen', () => { if (!toBox.input.value) $('#to').focus(); });

  const params = new URLSearchParams(location.search);
  $('#date').value = /^\d{4}-\d{2}-\d{2}$/.test(params.get('date') || '') ? params.get('date') : todayLocal();
  await Promise.all([stationFromParam(fromBox, params.get('from')), stationFromParam(toBox, params.get('to'))]);
  if (params.get('from') && params.get('to')) search(null, false);
}

main();
