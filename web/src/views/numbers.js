// @ts-check
/**
 * Timeline and numbers: incidents and violations per day (bar charts drawn as SVG by hand:
 * two bar charts do not justify a chart library, and SVG needs no inline style or script),
 * and evacuation progress per corridor: each source's figures against the trapped estimate
 * of the corridor's origin zone (`./progress.js`).
 */
import { corridorsByCorridor } from '../corridors.js';
import { h } from '../dom.js';
import { t, formatDay, formatDayShort, formatNumber, localName } from '../i18n.js';
import { api, apiAll } from '../api.js';
import { progressChart } from './progress.js';

const SVG = 'http://www.w3.org/2000/svg';

/** @param {HTMLElement} view @param {any} app */
export async function renderNumbers(view, app) {
  const query = { at: app.at || undefined, known_at: app.knownAt || undefined };
  const [incidents, violations, corridors] = await Promise.all([
    apiAll('/api/v1/incidents', query),
    apiAll('/api/v1/violations', query),
    api('/api/v1/corridors.geojson', { query }).then(corridorsByCorridor),
  ]);
  const incidentsById = new Map(incidents.map((i) => [i.incident_id, i]));
  const incidentDays = countByDay(incidents.map((i) => i.when?.start));
  const violationDays = countByDay(violations.map((v) => incidentsById.get(v.incident_id)?.when?.start));
  view.append(h('h1', {}, t('nav.numbers')),
    h('section', {}, h('h2', {}, t('numbers.incidents_per_day')), barChart(incidentDays, t('numbers.incidents_per_day'), 'bar-incident')),
    h('section', {}, h('h2', {}, t('numbers.violations_per_day')), barChart(violationDays, t('numbers.violations_per_day'), 'bar-violation')));
  const progress = h('section', {}, h('h2', {}, t('numbers.evacuation')), h('p', { class: 'hint' }, t('progress.caption')));
  view.append(progress);
  for (const feature of corridors.features || []) {
    const p = feature.properties;
    const [movement, population] = await Promise.all([
      api(`/api/v1/corridors/${p.corridor_id}/movement`, { query }).catch(() => null),
      p.origin_zone_id ? api(`/api/v1/zones/${p.origin_zone_id}/population`, { query }).catch(() => null) : null,
    ]);
    progress.append(h('article', { class: 'card', 'data-corridor': p.code }, h('h3', {}, h('a', { href: `/corridors/${p.corridor_id}`, 'data-link': '' }, `${p.code} — ${localName(p)}`)),
      progressChart(movement, population)));
  }
}

/** @param {(string|undefined)[]} times */
function countByDay(times) {
  const counts = new Map();
  for (const time of times) {
    if (!time) continue;
    const day = time.slice(0, 10);
    counts.set(day, (counts.get(day) || 0) + 1);
  }
  const days = [...counts.keys()].sort();
  if (!days.length) return [];
  // Every day from the first to the last, quiet days as 0, so that the bars keep time's
  // spacing (at most a year of days; past that, the days with a count only).
  const all = [];
  const last = Date.parse(`${days[days.length - 1]}T00:00:00Z`);
  for (let at = Date.parse(`${days[0]}T00:00:00Z`); at <= last && all.length <= 366; at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    all.push([day, counts.get(day) || 0]);
  }
  if (all.length > 366) return days.map((day) => [day, counts.get(day)]);
  return all;
}

/** A bar chart with a table beside it for screen readers. @param {[string, number][]} data @param {string} title @param {string} cls */
function barChart(data, title, cls) {
  if (!data.length) return h('p', { class: 'muted' }, t('common.none'));
  const width = 640;
  const height = 200;
  const max = Math.max(1, ...data.map(([, n]) => n));
  // A day label under every bar, or under every few when they are many; a count over each
  // bar while there is room for it.
  const labelEvery = Math.ceil(data.length / 10);
  const barWidth = Math.min(48, Math.max(4, Math.floor((width - 40) / data.length) - 4));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 50}`);
  svg.setAttribute('class', `chart ${cls}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  data.forEach(([day, count], index) => {
    const barHeight = Math.max(1, Math.round((count / max) * height));
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', String(30 + index * (barWidth + 4)));
    rect.setAttribute('y', String(height - barHeight + 20));
    rect.setAttribute('width', String(barWidth));
    rect.setAttribute('height', String(barHeight));
    const tip = document.createElementNS(SVG, 'title');
    tip.textContent = `${formatDay(day)}: ${formatNumber(count)}`;
    rect.append(tip);
    svg.append(rect);
    const middle = String(30 + index * (barWidth + 4) + barWidth / 2);
    if (index % labelEvery === 0) {
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', middle);
      label.setAttribute('y', String(height + 38));
      label.setAttribute('text-anchor', 'middle');
      label.setAttribute('class', 'chart-day');
      label.textContent = formatDayShort(day);
      svg.append(label);
    }
    if (data.length <= 31 && count > 0) {
      const value = document.createElementNS(SVG, 'text');
      value.setAttribute('x', middle);
      value.setAttribute('y', String(height - barHeight + 16));
      value.setAttribute('text-anchor', 'middle');
      value.setAttribute('class', 'chart-count');
      value.textContent = formatNumber(count);
      svg.append(value);
    }
  });
  const axis = document.createElementNS(SVG, 'text');
  axis.setAttribute('x', '0');
  axis.setAttribute('y', '30');
  axis.textContent = formatNumber(max);
  svg.append(axis);
  const table = h('table', { class: 'chart-table' }, h('caption', { class: 'visually-hidden' }, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('numbers.day')), h('th', { scope: 'col' }, t('numbers.count')))),
    h('tbody', {}, data.map(([day, count]) => h('tr', {}, h('td', {}, formatDay(day)), h('td', {}, formatNumber(count))))));
  return h('div', { class: 'chart-wrap' }, svg, h('details', {}, h('summary', {}, t('numbers.as_table')), table));
}
