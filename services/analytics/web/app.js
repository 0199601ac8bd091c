// The Teksin dashboard: reads /v1/figures with the chosen filters every few seconds and draws the
// map, the time series and the tables. Plain ES modules, no external code.
import { TEXT, CHANNELS, REQUEST_TYPES, t, applyStatic } from './i18n.js';
import { drawMap, colourMap } from './map.js';

const POLL_MS = 5000;
const state = {
  lang: new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'tr',
  labels: { categories: {}, owners: {} },
  paths: {},
  figures: null,
  mapFigures: null,
  updates: 0,
};
const $ = (id) => document.getElementById(id);
const n = (v) => Number(v || 0);
const fmt = (v) => n(v).toLocaleString(state.lang === 'en' ? 'en-GB' : 'tr-TR');
const pct = (r) => `${(n(r) * 100).toLocaleString(state.lang === 'en' ? 'en-GB' : 'tr-TR', { maximumFractionDigits: 1 })} %`;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

function categoryName(code) {
  const c = state.labels.categories[code];
  return c ? (state.lang === 'en' && c.en ? c.en : c.tr) : code === 'unknown' ? t(state.lang, 'unknown') : code;
}
function ownerName(id) {
  const o = state.labels.owners[id];
  return o ? o.name : id;
}
function channelName(c) { return CHANNELS[c] ? CHANNELS[c][state.lang] : c; }
function typeName(c) { return REQUEST_TYPES[c] ? REQUEST_TYPES[c][state.lang] : c; }

function filters() {
  const p = new URLSearchParams();
  for (const id of ['from', 'to', 'district', 'category', 'channel', 'owner', 'granularity']) {
    const v = $(`f-${id}`).value;
    if (v) p.set(id, v);
  }
  return p;
}

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || `${r.status}`);
  return body;
}

function table(id, head, rows) {
  const el = $(id);
  if (!rows.length) {
    el.innerHTML = `<tr><td class="none">${esc(t(state.lang, 'none'))}</td></tr>`;
    return;
  }
  el.innerHTML = `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody>';
}

function byCases(rows) { return [...rows].sort((a, b) => n(b.m.cases) - n(a.m.cases) || a.key.localeCompare(b.key)); }

function renderKpis(f) {
  const m = f.totals, r = f.rates, L = (k) => esc(t(state.lang, k));
  const kpis = [
    ['contacts', fmt(m.contacts)], ['cases', fmt(m.cases)], ['ratio', pct(r.contact_to_case)],
    ['routed', fmt(m.routed)], ['forwarded', fmt(m.forwarded)], ['resolved', fmt(m.resolved)],
    ['reopened', fmt(m.reopened)], ['sameDay', pct(r.same_day_answer_rate)],
    ['compliance', pct(r.deadline_compliance)], ['daysToResolve', n(r.mean_days_to_resolve).toFixed(1)],
    ['repeat', pct(r.repeat_rate)], ['duplicate', pct(r.duplicate_rate)],
    ['emergencies', fmt(m.emergencies)], ['breaches', fmt(m.deadline_breaches)],
    ['meanSat', n(m.ratings) ? n(r.mean_satisfaction).toFixed(2) : '–'],
  ];
  $('kpis').innerHTML = kpis.map(([k, v]) => `<div class="kpi" id="kpi-${k}"><b>${v}</b><span>${L(k)}</span></div>`).join('');
}

function renderSeries(f) {
  const svg = $('series');
  const W = 900, H = 220, P = 36;
  const pts = f.series.map((s) => ({ key: s.key, cases: n(s.m.cases), resolved: n(s.m.resolved), contacts: n(s.m.contacts) }));
  const max = Math.max(1, ...pts.map((p) => Math.max(p.cases, p.resolved, p.contacts)));
  const bw = (W - 2 * P) / Math.max(1, pts.length);
  const y = (v) => H - P - (v / max) * (H - 2 * P);
  let out = `<line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" class="axis"/>` +
    `<text x="4" y="${P}" class="tick">${fmt(max)}</text><text x="4" y="${H - P}" class="tick">0</text>`;
  pts.forEach((p, i) => {
    const x = P + i * bw;
    out += `<rect class="bar-contacts" x="${x + bw * 0.1}" y="${y(p.contacts)}" width="${bw * 0.26}" height="${H - P - y(p.contacts)}"><title>${esc(p.key)} ${esc(t(state.lang, 'contacts'))}: ${p.contacts}</title></rect>`;
    out += `<rect class="bar-cases" x="${x + bw * 0.37}" y="${y(p.cases)}" width="${bw * 0.26}" height="${H - P - y(p.cases)}"><title>${esc(p.key)} ${esc(t(state.lang, 'cases'))}: ${p.cases}</title></rect>`;
    out += `<rect class="bar-resolved" x="${x + bw * 0.64}" y="${y(p.resolved)}" width="${bw * 0.26}" height="${H - P - y(p.resolved)}"><title>${esc(p.key)} ${esc(t(state.lang, 'resolved'))}: ${p.resolved}</title></rect>`;
    const every = Math.ceil(pts.length / 10);
    if (i % every === 0) out += `<text class="tick" x="${x + bw / 2}" y="${H - P + 14}" text-anchor="middle">${esc(p.key.slice(5) || p.key)}</text>`;
  });
  out += `<g class="series-legend"><rect class="bar-contacts" x="${W - 330}" y="4" width="10" height="10"/><text x="${W - 316}" y="13">${esc(t(state.lang, 'contacts'))}</text>` +
    `<rect class="bar-cases" x="${W - 220}" y="4" width="10" height="10"/><text x="${W - 206}" y="13">${esc(t(state.lang, 'cases'))}</text>` +
    `<rect class="bar-resolved" x="${W - 120}" y="4" width="10" height="10"/><text x="${W - 106}" y="13">${esc(t(state.lang, 'resolved'))}</text></g>`;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.innerHTML = out;
}

function renderMap(f) {
  const rate = {};
  for (const d of f.by_district) rate[d.key] = n(d.cases_per_10k);
  const { max, shades } = colourMap(state.paths, (name) => rate[name] || 0);
  $('legend').innerHTML = `0 ${shades.map((c) => `<i style="background:${c}"></i>`).join('')} ${max.toFixed(1)} ${esc(t(state.lang, 'per10k'))}`;
  const sel = $('f-district').value;
  for (const [name, path] of Object.entries(state.paths)) path.classList.toggle('selected', name === sel);
}

function renderTables(f) {
  const L = (k) => t(state.lang, k);
  const dimRows = (rows, name) => byCases(rows).map((s) => [esc(name(s.key)), fmt(s.m.cases), fmt(s.m.resolved)]);
  table('t-category', [L('category'), L('cases'), L('resolved')], dimRows(f.by_category, categoryName));
  table('t-channel', [L('channel'), L('contacts'), L('cases'), L('resolved')],
    [...f.by_channel].sort((a, b) => n(b.m.contacts) - n(a.m.contacts)).map((s) => [esc(channelName(s.key)), fmt(s.m.contacts), fmt(s.m.cases), fmt(s.m.resolved)]));
  table('t-request_type', [L('name'), L('cases'), L('resolved')], dimRows(f.by_request_type, typeName));
  table('t-age_group', [L('name'), L('cases'), L('resolved')], dimRows(f.by_age_group, (k) => k));
  table('t-owner', [L('owner'), L('routed'), L('resolved'), L('breaches')],
    [...f.by_owner].sort((a, b) => n(b.m.routed) - n(a.m.routed)).map((s) => [esc(ownerName(s.key)), fmt(s.m.routed), fmt(s.m.resolved), fmt(s.m.deadline_breaches)]));
  table('t-forwards', [L('owner'), L('forwarded')], f.forwards_by_institution.map((s) => [esc(ownerName(s.key)), fmt(s.m.forwarded)]));
  const h = (sec) => (n(sec) / 3600).toFixed(1);
  table('t-resolution', [L('owner'), L('count'), 'p50', 'p90', 'p99'],
    f.resolution_by_owner.map((r) => [esc(ownerName(r.key)), fmt(r.count), h(r.p50_seconds), h(r.p90_seconds), h(r.p99_seconds)]));
  table('t-rising', [L('name'), L('recent'), L('baseline')], f.rising.map((r) => [
    esc(`${L(r.dimension === 'category' ? 'category' : 'district')}: ${r.dimension === 'category' ? categoryName(r.key) : r.key}`),
    fmt(r.recent), n(r.expected).toFixed(1)]));
  const dist = f.satisfaction_distribution || {};
  table('t-satisfaction', [L('rating'), L('count')], Object.keys(dist).sort().map((k) => [esc(k), fmt(dist[k])]));
  // Drill-down: the selected district's neighbourhoods and top topics.
  const sel = $('f-district').value;
  $('drill-name').textContent = sel || L('drill-hint');
  if (sel) {
    table('t-neighbourhood', [L('name'), L('cases'), L('per10k')], byCases(f.by_neighbourhood).slice(0, 15).map((s) => [
      esc(s.key.split('/').slice(1).join('/')), fmt(s.m.cases), s.population ? n(s.cases_per_10k).toFixed(1) : '–']));
    table('t-drill-category', [L('category'), L('cases')], byCases(f.by_category).slice(0, 8).map((s) => [esc(categoryName(s.key)), fmt(s.m.cases)]));
  } else {
    table('t-neighbourhood', [], []);
    table('t-drill-category', [], []);
  }
}

function fillSelect(id, entries) {
  const el = $(id);
  const cur = el.value;
  const known = new Set([...el.options].map((o) => o.value));
  for (const [value, label] of entries) {
    if (known.has(value)) {
      [...el.options].find((o) => o.value === value).textContent = label;
    } else {
      const o = document.createElement('option');
      o.value = value; o.textContent = label;
      el.appendChild(o);
    }
  }
  el.value = cur;
}

function fillFilterOptions(f) {
  fillSelect('f-district', Object.keys(state.paths).sort((a, b) => a.localeCompare(b, 'tr')).map((d) => [d, d]));
  fillSelect('f-category', [...Object.keys(state.labels.categories), ...f.by_category.map((s) => s.key)]
    .filter((v, i, a) => a.indexOf(v) === i).map((c) => [c, categoryName(c)]).sort((a, b) => a[1].localeCompare(b[1], 'tr')));
  fillSelect('f-channel', Object.keys(CHANNELS).filter((c) => c !== 'unspecified').map((c) => [c, channelName(c)]));
  fillSelect('f-owner', Object.keys(state.labels.owners).map((o) => [o, ownerName(o)]).sort((a, b) => a[1].localeCompare(b[1], 'tr')));
}

async function refresh() {
  const p = filters();
  const noDistrict = new URLSearchParams(p);
  noDistrict.delete('district');
  try {
    const [f, mapF] = await Promise.all([
      getJson(`/v1/figures?${p}`),
      p.has('district') ? getJson(`/v1/figures?${noDistrict}`) : null,
    ]);
    state.figures = f;
    state.mapFigures = mapF || f;
    fillFilterOptions(f);
    renderKpis(f);
    renderMap(state.mapFigures);
    renderSeries(f);
    renderTables(f);
    $('error').hidden = true;
    $('csv').href = `/v1/figures.csv?${p}&table=district`;
    $('bulletin').href = `/v1/bulletin?month=${f.to.slice(0, 7)}&lang=${state.lang}`;
    $('updated').textContent = `${t(state.lang, 'updated')} ${new Date().toLocaleTimeString(state.lang === 'en' ? 'en-GB' : 'tr-TR')}`;
    state.updates += 1;
    document.body.dataset.updates = String(state.updates);
    document.body.dataset.filters = p.toString();
  } catch (e) {
    $('error').textContent = e.message;
    $('error').hidden = false;
  }
}

function setLang(lang) {
  state.lang = lang;
  applyStatic(lang);
  $('lang').textContent = TEXT[lang].language;
  $('updated').textContent = '';
  if (state.figures) {
    fillFilterOptions(state.figures);
    renderKpis(state.figures);
    renderMap(state.mapFigures);
    renderSeries(state.figures);
    renderTables(state.figures);
  }
}

async function main() {
  setLang(state.lang);
  const [labels, geo] = await Promise.all([getJson('/v1/labels'), getJson('/dashboard/data/districts.geojson')]);
  state.labels = labels;
  state.paths = drawMap($('map'), geo, 640, 360, (name) => {
    $('f-district').value = $('f-district').value === name ? '' : name;
    refresh();
  });
  document.body.dataset.districts = String(Object.keys(state.paths).length);
  $('filters').addEventListener('change', refresh);
  $('f-reset').addEventListener('click', () => {
    for (const id of ['from', 'to', 'district', 'category', 'channel', 'owner']) $(`f-${id}`).value = '';
    $('f-granularity').value = 'day';
    refresh();
  });
  $('lang').addEventListener('click', () => setLang(state.lang === 'tr' ? 'en' : 'tr'));
  await refresh();
  setInterval(refresh, POLL_MS);
}

main().catch((e) => {
  $('error').textContent = e.message;
  $('error').hidden = false;
});
