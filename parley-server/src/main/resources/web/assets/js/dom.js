// Small DOM and formatting helpers. Everything is built with createElement/textContent:
// data is never parsed as HTML, so message text can never inject markup.

export const $ = (id) => document.getElementById(id);

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function icon(path, viewBox = '0 0 24 24') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', viewBox);
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(SVG_NS, 'path');
  p.setAttribute('d', path);
  svg.append(p);
  return svg;
}

export const ICONS = {
  tick: 'M6.4 9.6 2.6 5.8 1.2 7.2l5.2 5.2L17 1.8 15.6.4z',
  ticks: 'M6.4 9.6 2.6 5.8 1.2 7.2l5.2 5.2L17 1.8 15.6.4zm5 0-.9-.9-1.4 1.4 2.3 2.3L22 1.8 20.6.4z',
  clock: 'M9 0a6 6 0 1 0 0 12A6 6 0 0 0 9 0zm0 10.6A4.6 4.6 0 1 1 9 1.4a4.6 4.6 0 0 1 0 9.2zM9.7 3H8.3v3.3l2.8 1.7.7-1.2-2.1-1.3z',
  doc: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8l-6-6zm-1 7V3.5L18.5 9H13z',
};

export function hashClass(id) {
  let x = 0;
  for (const ch of String(id)) x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  return 'c' + (x % 8);
}

export function initials(name) {
  const all = String(name || '?').trim().split(/[\s._-]+/).filter(Boolean);
  const words = all.filter((p) => /^\p{L}/u.test(p)); // "alice_1f3a" gives "AL", not "A1"
  const parts = words.length ? words : all;
  const s = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] || '?').slice(0, 2);
  return s.toUpperCase();
}

export function avatar(el, id, name, { group = false, online = false, small = false } = {}) {
  el.className = ['avatar', hashClass(id), group && 'group', online && 'online', small && 'sm'].filter(Boolean).join(' ');
  el.textContent = initials(name);
  return el;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const shortDateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

function startOfDay(t) { const d = new Date(t); d.setHours(0, 0, 0, 0); return d.getTime(); }

export function fmtTime(ts) { return timeFmt.format(new Date(ts)); }

export function fmtDay(ts) {
  const diff = Math.round((startOfDay(Date.now()) - startOfDay(ts)) / 86400000);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  if (diff < 7) return dayFmt.format(new Date(ts));
  return dateFmt.format(new Date(ts));
}

/** List timestamp: time today, weekday this week, else a date. */
export function fmtListTime(ts) {
  const diff = Math.round((startOfDay(Date.now()) - startOfDay(ts)) / 86400000);
  if (diff === 0) return fmtTime(ts);
  if (diff === 1) return 'Yesterday';
  if (diff < 7) return dayFmt.format(new Date(ts));
  return shortDateFmt.format(new Date(ts));
}

export function fmtLastSeen(ts) {
  if (!ts) return 'offline';
  const mins = Math.floor((Date.now() - ts) / 60000);
  if (mins < 1) return 'last seen just now';
  if (mins < 60) return `last seen ${mins} min ago`;
  const day = fmtDay(ts);
  return `last seen ${day === 'Today' ? 'today' : day === 'Yesterday' ? 'yesterday' : day} at ${fmtTime(ts)}`;
}

export function fmtSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Appends text to el with every case-insensitive occurrence of the query's words in <mark>. */
export function highlight(el, text, query) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (!words.length) { el.textContent = text; return el; }
  const lower = text.toLowerCase();
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let len = 0;
    for (const w of words) {
      const j = lower.indexOf(w, i);
      if (j >= 0 && (best < 0 || j < best)) { best = j; len = w.length; }
    }
    if (best < 0) { el.append(text.slice(i)); break; }
    if (best > i) el.append(text.slice(i, best));
    el.append(h('mark', null, text.slice(best, best + len)));
    i = best + len;
  }
  return el;
}

let toastTimer = null;
export function toast(msg) {
  const t = $('toast');
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}

export function announce(msg) {
  const a = $('announcer');
  a.textContent = '';
  // a fresh text node after clearing makes screen readers announce repeated texts too
  setTimeout(() => { a.textContent = msg; }, 50);
}
