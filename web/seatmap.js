// lanxang seat map: the coaches of one class on a train with each seat as a toggle
// button, for the booking form of book.js. Plain ES module, no state of its own: the
// caller keeps `sm` and gets the chosen seats back through onChange.
//
//   sm = {data, coach, chosen, max}
//     data    the class object of GET /api/v1/trains/{train}/seats:
//             {class, free, coaches: [{coach, seats: [{seat, row, letter, window, aisle,
//             free, quota}]}]}
//     coach   the coach shown (a number; the first coach with a free seat when unset)
//     chosen  the chosen seat labels ("03-05A"), at most `max`
//     max     how many seats may be chosen (one per passenger)
//
// Keyboard: the coach buttons are in the tab order; the seats form one tab stop (a
// roving tabindex, the WAI-ARIA grid pattern): the arrow keys move between free seats,
// Home/End go to the first/last seat of the row, Enter or Space chooses (native buttons).
// Taken seats are disabled buttons, skipped by the arrows and announced by the count.

let ctx = null; // {t, el}

export function initSeatMap(helpers) {
  ctx = helpers;
}

const t = (k, v) => ctx.t(k, v);
const el = (tag, cls, text) => ctx.el(tag, cls, text);

// "03-05A" -> "05A": the seat within its coach
export function seatInCoach(label) {
  const i = String(label).indexOf('-');
  return i >= 0 ? label.slice(i + 1) : String(label);
}

function kindText(s) {
  if (s.window) return t('seat.window');
  if (s.aisle) return t('seat.aisle');
  return t('seat.middle');
}

function quotaText(q) {
  if (!q) return '';
  const key = `seat.quota.${q}`;
  const s = t(key);
  return s === key ? t('seat.quota.other') : s;
}

export function seatAria(coach, s, chosen) {
  const parts = [t('seat.aria', { coach, seat: seatInCoach(s.seat), kind: kindText(s) })];
  // a seat of a quota this journey may not use is not "taken": say whom it is kept for
  if (s.free) parts.push(chosen ? t('seat.chosen') : t('seat.free'));
  else if (!s.quota) parts.push(t('seat.taken'));
  if (s.quota) parts.push(quotaText(s.quota));
  return parts.join(t('seat.sep'));
}

// The seat map element; it redraws itself in place when a coach or a seat is chosen.
export function seatMapEl(sm, onChange) {
  const wrap = el('div', 'seatmap');
  wrap.dataset.testid = 'seatmap';
  draw(wrap, sm, onChange, null);
  return wrap;
}

function coachesOf(sm) {
  return (sm.data && sm.data.coaches) || [];
}

function draw(wrap, sm, onChange, focus) {
  const coaches = coachesOf(sm);
  if (!coaches.some((c) => c.coach === sm.coach)) {
    const first = coaches.find((c) => c.seats.some((s) => s.free)) || coaches[0];
    sm.coach = first ? first.coach : null;
  }
  const parts = [];
  if (!coaches.length) {
    parts.push(el('p', 'muted', t('seat.none')));
    wrap.replaceChildren(...parts);
    return;
  }

  // the coaches
  const nav = el('div', 'coach-tabs');
  nav.setAttribute('role', 'group');
  nav.setAttribute('aria-label', t('seat.coaches'));
  for (const c of coaches) {
    const free = c.seats.filter((s) => s.free).length;
    const b = el('button', 'coach-btn');
    b.type = 'button';
    b.dataset.coach = String(c.coach);
    b.setAttribute('aria-pressed', String(c.coach === sm.coach));
    b.append(el('span', 'coach-no', t('seat.coach_n', { n: c.coach })),
      el('span', 'coach-free', t('seat.free_n', { n: free })));
    b.addEventListener('click', () => {
      sm.coach = c.coach;
      draw(wrap, sm, onChange, { coach: c.coach });
    });
    nav.append(b);
  }
  parts.push(nav);

  // the legend
  const legend = el('ul', 'seat-legend');
  legend.setAttribute('aria-label', t('seat.legend'));
  for (const [cls, key] of [['free', 'seat.free'], ['chosen', 'seat.chosen'], ['taken', 'seat.taken'],
    ['quota', 'seat.quota.legend'], ['window', 'seat.pref_window']]) {
    const li = el('li');
    li.append(el('span', `swatch swatch-${cls}`), ' ', t(key));
    legend.append(li);
  }
  parts.push(legend);

  // the seats of the coach shown, row by row
  const coach = coaches.find((c) => c.coach === sm.coach);
  const letters = [...new Set(coach.seats.map((s) => s.letter))].sort();
  const aisleAt = new Set();
  const sample = (l) => coach.seats.find((s) => s.letter === l);
  for (let i = 0; i + 1 < letters.length; i++)
    if (sample(letters[i])?.aisle && sample(letters[i + 1])?.aisle) aisleAt.add(i);
  const rows = new Map();
  for (const s of coach.seats) {
    if (!rows.has(s.row)) rows.set(s.row, new Map());
    rows.get(s.row).set(s.letter, s);
  }
  const grid = el('div', 'seat-grid');
  grid.setAttribute('role', 'group');
  grid.setAttribute('aria-label', t('seat.coach_seats', { n: coach.coach }));
  grid.style.setProperty('--cols', String(letters.length + aisleAt.size + 1));
  const head = el('div', 'seat-row seat-head');
  head.setAttribute('aria-hidden', 'true');
  head.append(el('span', 'row-no'));
  letters.forEach((l, i) => {
    head.append(el('span', 'seat-letter', l));
    if (aisleAt.has(i)) head.append(el('span', 'seat-aisle'));
  });
  grid.append(head);
  const buttons = [];
  for (const row of [...rows.keys()].sort((a, b) => a - b)) {
    const line = el('div', 'seat-row');
    const no = el('span', 'row-no', String(row));
    no.setAttribute('aria-hidden', 'true');
    line.append(no);
    letters.forEach((l, i) => {
      const s = rows.get(row).get(l);
      if (!s) line.append(el('span', 'seat-gap'));
      else {
        const chosen = sm.chosen.includes(s.seat);
        const b = el('button', 'seat-btn', l);
        b.type = 'button';
        b.dataset.seat = s.seat;
        b.dataset.row = String(row);
        b.dataset.col = String(i);
        b.disabled = !s.free;
        b.tabIndex = -1;
        b.setAttribute('aria-pressed', String(chosen));
        b.setAttribute('aria-label', seatAria(coach.coach, s, chosen));
        if (s.window) b.classList.add('is-window');
        if (s.quota) {
          b.classList.add('is-quota');
          b.dataset.quota = s.quota;
        }
        b.addEventListener('click', () => {
          toggle(sm, s.seat);
          onChange(sm.chosen);
          draw(wrap, sm, onChange, { seat: s.seat });
        });
        line.append(b);
        buttons.push(b);
      }
      if (aisleAt.has(i)) line.append(el('span', 'seat-aisle'));
    });
    grid.append(line);
  }
  // one tab stop: the chosen seat of this coach, else its first free seat
  const live = buttons.filter((b) => !b.disabled);
  const stop = live.find((b) => b.getAttribute('aria-pressed') === 'true') || live[0];
  if (stop) stop.tabIndex = 0;
  grid.addEventListener('keydown', (e) => move(e, live));
  parts.push(grid);

  // what is chosen
  const status = el('p', 'seat-status');
  status.setAttribute('aria-live', 'polite');
  status.dataset.testid = 'seat-status';
  status.textContent = sm.chosen.length
    ? t('seat.chosen_list', { seats: sm.chosen.join(', '), n: sm.chosen.length, max: sm.max })
    : t('seat.none_chosen', { max: sm.max });
  parts.push(status);

  wrap.replaceChildren(...parts);
  if (focus?.seat) wrap.querySelector(`.seat-btn[data-seat="${CSS.escape(focus.seat)}"]`)?.focus();
  if (focus?.coach !== undefined) wrap.querySelector(`.coach-btn[data-coach="${focus.coach}"]`)?.focus();
}

function toggle(sm, label) {
  const i = sm.chosen.indexOf(label);
  if (i >= 0) sm.chosen.splice(i, 1);
  else {
    // at the limit the earliest choice gives way
    while (sm.chosen.length >= Math.max(1, sm.max)) sm.chosen.shift();
    sm.chosen.push(label);
  }
}

// Arrow keys between the free seats of the grid (rows and columns as drawn).
function move(e, live) {
  const b = e.target.closest('.seat-btn');
  if (!b || !live.length) return;
  const row = Number(b.dataset.row);
  const col = Number(b.dataset.col);
  const rows = [...new Set(live.map((x) => Number(x.dataset.row)))].sort((a, c) => a - c);
  const inRow = (r) => live.filter((x) => Number(x.dataset.row) === r);
  const nearest = (list) => list.reduce((best, x) =>
    (!best || Math.abs(Number(x.dataset.col) - col) < Math.abs(Number(best.dataset.col) - col) ? x : best), null);
  let next = null;
  const here = inRow(row);
  const k = here.indexOf(b);
  switch (e.key) {
    case 'ArrowRight': next = here[k + 1] || null; break;
    case 'ArrowLeft': next = k > 0 ? here[k - 1] : null; break;
    case 'Home': next = here[0]; break;
    case 'End': next = here[here.length - 1]; break;
    case 'ArrowDown': {
      const r = rows.find((x) => x > row);
      next = r === undefined ? null : nearest(inRow(r));
      break;
    }
    case 'ArrowUp': {
      const r = [...rows].reverse().find((x) => x < row);
      next = r === undefined ? null : nearest(inRow(r));
      break;
    }
    default: return;
  }
  e.preventDefault();
  if (!next) return;
  for (const x of live) x.tabIndex = x === next ? 0 : -1;
  next.focus();
}
