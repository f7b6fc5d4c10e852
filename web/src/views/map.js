// @ts-check
/**
 * The first view, public: the map at the chosen instant (valid time, `?at=`) as known at
 * the chosen record time (`?known_at=`), the corridors open then with their windows and who
 * may use them, the published incidents and the agreements; and, for a signed-in account,
 * its jobs (the forms of web/src/forms) and the humanitarian notifications it may see.
 */
import { corridorsByCorridor } from '../corridors.js';
import { h, replace } from '../dom.js';
import { t, formatTime, formatNumber, localName, currentLang } from '../i18n.js';
import { api, apiAll } from '../api.js';
import { TruceMap, corridorStyle } from '../map.js';
import { jobsFor, openForm, ensureKey } from '../forms/index.js';
import { quantityBounds } from './progress.js';

/** @type {TruceMap|null} */
let lastMap = null;

/** @param {HTMLElement} view @param {any} app */
export async function renderMapView(view, app) {
  const mapBox = h('div', { id: 'map', class: 'map', tabindex: '0' });
  const panel = h('aside', { class: 'panel', 'aria-label': t('map.panel') });
  const formBox = h('section', { class: 'form-box', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted', id: 'data-status' });
  const feed = h('ol', { class: 'feed', id: 'live-feed', 'aria-label': t('live.feed') });
  view.classList.add('map-view');
  view.append(h('h1', { class: 'visually-hidden' }, t('map.title')), panel, mapBox);

  const query = () => ({ at: app.at || undefined, known_at: app.knownAt || undefined });
  const atInput = h('input', { type: 'datetime-local', id: 'at', step: '60', value: toLocalInput(app.at) });
  const knownInput = h('input', { type: 'datetime-local', id: 'known-at', step: '60', value: toLocalInput(app.knownAt) });
  const slider = h('input', { type: 'range', id: 'at-slider', min: '0', max: '100', step: '1', value: '100' });
  const sliderOut = h('output', { for: 'at-slider', id: 'at-out' }, app.at ? formatTime(app.at) : t('time.now'));
  const lists = h('div', { class: 'lists' });

  const controls = h('form', { class: 'time', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); apply(); } },
    h('h2', {}, t('time.title')),
    h('label', { for: 'at-slider' }, t('time.valid')), slider, sliderOut,
    h('label', { for: 'at' }, t('time.at')), atInput,
    h('label', { for: 'known-at' }, t('time.known_at')), knownInput,
    h('div', { class: 'row' },
      h('button', { type: 'submit' }, t('time.apply')),
      h('button', { type: 'button', onclick: () => { app.at = ''; app.knownAt = ''; atInput.value = ''; knownInput.value = ''; slider.value = '100'; sliderOut.textContent = t('time.now'); load(); } }, t('time.now'))),
    h('p', { class: 'hint' }, t('time.hint')));

  const jobs = app.session ? jobsFor(app.session) : [];
  const jobBox = app.session
    ? h('section', { class: 'jobs' }, h('h2', {}, t('jobs.title')),
      jobs.length ? h('ul', { class: 'job-list' }, jobs.map((/** @type {any} */ job) => h('li', {}, h('button', { type: 'button', 'data-command': job.command, onclick: () => runJob(job.command) }, t(job.labelKey)))))
        : h('p', { class: 'muted' }, t('jobs.none')), formBox)
    : h('p', { class: 'muted' }, h('a', { href: '/signin', 'data-link': '' }, t('session.sign_in')), ' ', t('jobs.sign_in_hint'));

  panel.append(controls, status, h('p', { class: 'live-line' }, h('span', { id: 'live-status' }, t(`live.${document.body.dataset.live || 'connecting'}`))), jobBox, lists,
    h('section', {}, h('h2', {}, t('live.feed')), feed),
    h('p', {}, h('a', { href: '/api-reference', 'data-link': '' }, t('nav.api'))));

  /** @type {TruceMap|null} */
  let map = null;
  let range = { min: 0, max: 0 };

  const runJob = async (/** @type {string} */ command, prefill = {}) => {
    if (!map) return;
    await ensureKey(formBox, app.session, t);
    const result = await openForm(formBox, command, { session: app.session, map: map.adapter(), t, lang: currentLang(), prefill });
    if (result) load();
  };

  const apply = () => {
    app.at = fromLocalInput(atInput.value);
    app.knownAt = fromLocalInput(knownInput.value);
    sliderOut.textContent = app.at ? formatTime(app.at) : t('time.now');
    load();
  };
  slider.addEventListener('input', () => {
    const value = Number(slider.value);
    if (value >= 100 || range.max <= range.min) {
      app.at = '';
      sliderOut.textContent = t('time.now');
    } else {
      app.at = new Date(range.min + ((range.max - range.min) * value) / 100).toISOString();
      sliderOut.textContent = formatTime(app.at);
    }
    atInput.value = toLocalInput(app.at);
  });
  slider.addEventListener('change', () => load());

  let loading = 0;
  const load = async () => {
    const token = ++loading;
    status.textContent = t('common.loading');
    const q = query();
    const [corridors, zones, incidents, violations, agreements, notifications] = await Promise.all([
      api('/api/v1/corridors.geojson', { query: q }).then(corridorsByCorridor),
      api('/api/v1/zones.geojson', { query: q }),
      apiAll('/api/v1/incidents', q),
      apiAll('/api/v1/violations', q),
      apiAll('/api/v1/agreements', q),
      app.session ? apiAll('/api/v1/notifications', q).catch(() => []) : Promise.resolve([]),
    ]);
    if (token !== loading || !map) return;
    if (range.max === 0) range = timeRange(corridors, incidents, agreements);
    const atMs = app.at ? Date.parse(app.at) : NaN;
    slider.value = Number.isNaN(atMs) ? '100' : String(Math.max(0, Math.min(99, Math.round(((atMs - range.min) / (range.max - range.min)) * 100))));
    const incidentsById = new Map(incidents.map((/** @type {any} */ i) => [i.incident_id, i]));
    /** @type {Map<string, number>} */
    const trapped = new Map();
    map.setCorridors(corridors);
    map.setIncidents(incidents);
    map.setViolations(violations, incidentsById);
    map.setNotifications(notifications);
    renderLists(lists, app, corridors, incidents, violations, agreements, trapped, zones);
    // Since the navigation started: what "the first view loads in under a second" measures.
    if (!document.body.dataset.firstViewMs) document.body.dataset.firstViewMs = String(Math.round(performance.now()));
    status.textContent = t('map.showing', { corridors: (corridors.features || []).length, incidents: incidents.length, violations: violations.length });
    // The trapped estimates come next, zone by zone, then the basemap: neither holds up the records.
    await Promise.all((zones.features || []).map(async (/** @type {any} */ zone) => {
      const population = await api(`/api/v1/zones/${zone.properties.zone_id}/population`, { query: q }).catch(() => null);
      const figure = latestTrapped(population);
      if (figure !== null) trapped.set(zone.properties.zone_id, figure);
    }));
    if (token !== loading) return;
    map.setZones(zones, app.parties, trapped);
    renderLists(lists, app, corridors, incidents, violations, agreements, trapped, zones);
    await map.loadBasemap();
    document.body.dataset.loaded = 'map';
  };

  view.dataset.afterMount = '1';
  view.addEventListener('mounted', () => {
    map = new TruceMap(mapBox, { tileUrl: app.config.tile_url, onSelect: (kind, id) => app.navigate(`/${kind}/${id}`) });
    lastMap = map;
    load().catch((err) => { status.textContent = String(err); });
  });

  let refresh;
  const onAlert = (/** @type {Event} */ event) => {
    if (!feed.isConnected) {
      window.removeEventListener('truce:alert', onAlert);
      return;
    }
    const alert = /** @type {CustomEvent} */ (event).detail;
    feed.prepend(h('li', { class: `feed-${alert.kind}` }, h('span', { class: 'muted' }, formatTime(alert.raised_at)), ' ', alert.headline || t(`alert.${alert.kind}`)));
    clearTimeout(refresh);
    refresh = setTimeout(() => load().catch(() => {}), 500);
  };
  window.addEventListener('truce:alert', onAlert);
}

/** The map of the last map view (for the browser tests). */
export function currentMap() {
  return lastMap;
}

/** @param {any} population */
function latestTrapped(population) {
  let best = null;
  for (const organisation of population?.organisations || []) {
    for (const series of organisation.series || []) {
      if (series.kind !== 'trapped' || !series.latest) continue;
      const bounds = quantityBounds(series.latest.people);
      const value = bounds ? bounds.upper ?? bounds.lower : null;
      if (value !== null && (!best || series.latest.as_of > best.as_of)) best = { value, as_of: series.latest.as_of };
    }
  }
  return best ? best.value : null;
}

/** Earliest and latest valid times the records mention, to span the slider. */
function timeRange(corridors, incidents, agreements) {
  const times = [];
  for (const feature of corridors.features || []) for (const w of feature.properties.windows || []) times.push(w.start, w.end);
  for (const incident of incidents) times.push(incident.when?.start);
  for (const agreement of agreements) times.push(agreement.proposed_at);
  const ms = times.filter(Boolean).map((x) => Date.parse(x)).filter((x) => !Number.isNaN(x));
  if (!ms.length) return { min: Date.now() - 7 * 86400000, max: Date.now() };
  return { min: Math.min(...ms) - 3600000, max: Math.max(...ms) + 3600000 };
}

function renderLists(lists, app, corridors, incidents, violations, agreements, trapped, zones) {
  const open = (corridors.features || []).filter((/** @type {any} */ f) => f.properties.status === 'open');
  const corridorItems = (corridors.features || []).map((/** @type {any} */ f) => {
    const p = f.properties;
    const style = corridorStyle(p.status);
    const windows = (p.windows || []).map((/** @type {any} */ w) => h('li', {}, `${formatTime(w.start)} – ${formatTime(w.end)}: ${(w.groups || []).map((/** @type {string} */ g) => t(`group.${g}`)).join(', ')}`));
    return h('li', { class: `corridor corridor-${p.status}` },
      h('span', { class: `status-chip status-${p.status}` }, t(style.key)), ' ',
      h('a', { href: `/corridors/${p.corridor_id}`, 'data-link': '' }, `${p.code} — ${localName(p)}`),
      p.status === 'open' ? h('p', {}, t('corridor.open_for'), ': ', (p.open_for || []).map((/** @type {string} */ g) => t(`group.${g}`)).join(', ') || t('common.none')) : null,
      windows.length ? h('details', {}, h('summary', {}, t('corridor.windows')), h('ul', {}, windows)) : null);
  });
  const latest = incidents.slice().sort((a, b) => String(b.when?.start).localeCompare(String(a.when?.start))).slice(0, 8);
  replace(lists,
    h('section', { id: 'open-corridors' }, h('h2', {}, t('map.open_corridors', { count: open.length })),
      corridorItems.length ? h('ul', { class: 'corridor-list' }, corridorItems) : h('p', { class: 'muted' }, t('common.none'))),
    h('section', {}, h('h2', {}, t('map.zones')), h('ul', {}, (zones.features || []).map((/** @type {any} */ z) => h('li', {},
      h('a', { href: `/zones/${z.properties.zone_id}`, 'data-link': '' }, `${z.properties.code} — ${localName(z.properties)}`),
      trapped.has(z.properties.zone_id) ? ` · ${t('zone.trapped')}: ${formatNumber(trapped.get(z.properties.zone_id))}` : '')))),
    h('section', {}, h('h2', {}, t('map.incidents', { count: incidents.length })),
      h('ul', {}, latest.map((i) => h('li', {}, h('a', { href: `/incidents/${i.incident_id}`, 'data-link': '' }, `${t(`kind.${i.kind}`)} · ${formatTime(i.when?.start)}`)))),
      violations.length ? h('p', {}, t('map.violations', { count: violations.length })) : null),
    h('section', {}, h('h2', {}, t('nav.agreements')), h('ul', {}, agreements.map((/** @type {any} */ a) => h('li', {},
      h('a', { href: `/agreements/${a.agreement_id}`, 'data-link': '' }, a.title), ' · ', t(`agreement_status.${a.status?.status}`))))));
}

/** `2016-12-13T06:00:00Z` → the value of a datetime-local input, in UTC. @param {string} iso */
function toLocalInput(iso) {
  return iso ? iso.slice(0, 16) : '';
}
/** The value of a datetime-local input, read as UTC. @param {string} value */
function fromLocalInput(value) {
  return value ? new Date(`${value}:00Z`).toISOString().replace('.000Z', 'Z') : '';
}
