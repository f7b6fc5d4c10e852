// @ts-check
/**
 * A page per corridor, zone and incident (with its violations): the record as the API has
 * it at the chosen instant, and its full history from the ledger (the entries that name it),
 * each with a "verify" button that checks the entry in the browser (`verify.js`).
 */
import { h, replace } from '../dom.js';
import { t, formatTime, formatNumber, localName } from '../i18n.js';
import { api } from '../api.js';
import { verifyEntry } from '../verify.js';
import { jobsFor, openForm, ensureKey } from '../forms/index.js';
import { corridorStyle, lazyMapAdapter } from '../map.js';
import { quantityText } from './progress.js';

/** Pages of the ledger read to find a record's entries, at the most. */
const LEDGER_PAGES_MAX = 30;

/** @param {HTMLElement} view @param {any} app @param {string} kind @param {string} id */
export async function renderRecord(view, app, kind, id) {
  const query = { at: app.at || undefined, known_at: app.knownAt || undefined };
  const record = await api(`/api/v1/${kind}/${id}`, { query });
  if (kind === 'corridors') await corridorPage(view, app, record, query);
  else if (kind === 'zones') await zonePage(view, app, record, query);
  else incidentPage(view, app, record);
  view.append(h('details', { class: 'raw' }, h('summary', {}, t('record.raw')), h('pre', {}, JSON.stringify(record, null, 2))));
  view.append(await ledgerHistory(app, id));
}

async function corridorPage(view, app, corridor, query) {
  const style = corridorStyle(corridor.status);
  const movement = await api(`/api/v1/corridors/${corridor.corridor_id}/movement`, { query }).catch(() => null);
  view.append(h('h1', {}, `${corridor.code} — ${localName(corridor)}`),
    h('p', { class: 'lead' }, h('span', { class: `status-chip status-${corridor.status}` }, t(style.key)), ' ',
      t('corridor.width', { m: formatNumber(2 * corridor.half_width_m) })),
    h('dl', {},
      h('dt', {}, t('corridor.destination')), h('dd', {}, corridor.destination?.name || ''),
      h('dt', {}, t('corridor.open_for')), h('dd', {}, (corridor.open_for || []).map((/** @type {string} */ g) => t(`group.${g}`)).join(', ') || t('common.none')),
      h('dt', {}, t('corridor.windows')), h('dd', {}, h('ul', {}, (corridor.windows || []).map((/** @type {any} */ w) =>
        h('li', {}, `${formatTime(w.start)} – ${formatTime(w.end)}: ${(w.groups || []).map((/** @type {string} */ g) => t(`group.${g}`)).join(', ')}`)))),
      corridor.agreement_id ? [h('dt', {}, t('nav.agreements')), h('dd', {}, h('a', { href: `/agreements/${corridor.agreement_id}`, 'data-link': '' }, t('record.open_agreement')))] : null),
    h('h2', {}, t('numbers.movement')),
    movementTable(movement));
}

/** @param {any} movement */
export function movementTable(movement) {
  const rows = [];
  for (const organisation of movement?.organisations || []) {
    for (const series of organisation.series || []) {
      const count = series.latest?.count;
      if (!count) continue;
      rows.push(h('tr', {}, h('td', {}, organisation.organisation), h('td', {}, `${t(`direction.${series.direction}`)} · ${t(`basis.${series.basis}`)}`),
        h('td', {}, quantityText(count.people)), h('td', {}, formatTime(count.period?.end || count.period?.start))));
    }
  }
  if (!rows.length) return h('p', { class: 'muted' }, t('numbers.no_movement'));
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {},
    h('th', { scope: 'col' }, t('numbers.source')), h('th', { scope: 'col' }, t('numbers.series')), h('th', { scope: 'col' }, t('numbers.people')), h('th', { scope: 'col' }, t('agreement.when')))), h('tbody', {}, rows)));
}

async function zonePage(view, app, zone, query) {
  const population = await api(`/api/v1/zones/${zone.zone_id}/population`, { query }).catch(() => null);
  const controller = app.parties.get(zone.controlled_by);
  const rows = [];
  for (const organisation of population?.organisations || []) {
    for (const series of organisation.series || []) {
      const people = series.latest?.people;
      rows.push(h('tr', {}, h('td', {}, organisation.organisation), h('td', {}, t(`series.${series.kind}`)),
        h('td', {}, people === undefined ? '' : quantityText(people)), h('td', {}, formatTime(series.latest?.as_of))));
    }
  }
  view.append(h('h1', {}, `${zone.code} — ${localName(zone)}`),
    h('div', { class: 'side-by-side' },
      h('section', {}, h('h2', {}, t('zone.control')), h('p', {}, controller ? localName(controller) : t('common.unknown'))),
      h('section', {}, h('h2', {}, t('zone.trapped')), rows.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('numbers.source')), h('th', { scope: 'col' }, t('numbers.series')), h('th', { scope: 'col' }, t('numbers.people')), h('th', { scope: 'col' }, t('agreement.when')))),
      h('tbody', {}, rows))) : h('p', { class: 'muted' }, t('common.none')))));
}

function incidentPage(view, app, incident) {
  view.append(h('h1', {}, `${t(`kind.${incident.kind}`)} · ${formatTime(incident.when?.start)}`),
    h('p', { class: 'lead' }, incident.description || ''),
    h('dl', {},
      h('dt', {}, t('incident.grade')), h('dd', {}, t(`grade.${incident.grade?.grade}`), ' ', h('span', { class: 'muted' }, (incident.grade?.reasons || []).join('; '))),
      h('dt', {}, t('incident.position')), h('dd', {}, incident.location ? `${incident.location.position[1]}, ${incident.location.position[0]} (± ${formatNumber(incident.location.uncertainty_m)} m)` : ''),
      h('dt', {}, t('incident.sources')), h('dd', {}, h('ul', {}, (incident.sources || []).map((/** @type {any} */ s) => h('li', {}, `${s.organisation}: ${s.reference || ''} ${s.text ? `«${s.text}»` : ''}`)))),
      h('dt', {}, t('violation.title')), h('dd', {}, (incident.violations || []).length
        ? h('ul', {}, incident.violations.map((/** @type {any} */ v) => h('li', {}, t(`violation_status.${v.status}`), ' · ', h('a', { href: `/agreements/${v.agreement_id}`, 'data-link': '' }, t('record.open_agreement')))))
        : t('common.none'))));
  if (app.session) {
    const formBox = h('div', { class: 'form-box' });
    const jobs = jobsFor(app.session).filter((/** @type {any} */ job) => /grade|merge|retract|dismiss|source|statement|attribute/.test(job.command));
    if (jobs.length) {
      view.append(h('section', { class: 'jobs' }, h('h2', {}, t('jobs.title')), h('ul', { class: 'job-list' }, jobs.map((/** @type {any} */ job) => h('li', {},
        h('button', { type: 'button', 'data-command': job.command, onclick: async () => {
          await ensureKey(formBox, app.session, t);
          await openForm(formBox, job.command, { session: app.session, map: lazyMapAdapter(formBox, app), t, lang: document.documentElement.lang, prefill: { incident_id: incident.incident_id } });
        } }, t(job.labelKey))))), formBox));
    }
  }
}

/**
 * The ledger entries that name `id`, oldest first, each verifiable.
 * @param {any} _app @param {string} id
 */
export async function ledgerHistory(_app, id) {
  const section = h('section', { class: 'history' }, h('h2', {}, t('record.history')));
  const list = h('ol', { class: 'entries' });
  let from = 0;
  for (let page = 0; page < LEDGER_PAGES_MAX; page += 1) {
    const body = await api('/api/v1/ledger/entries', { query: { from: String(from), limit: '1000' } });
    const entries = body.entries || [];
    for (const entry of entries) if (entry.entry.includes(id)) list.append(entryItem(entry));
    if (entries.length < 1000) break;
    from = entries[entries.length - 1].seq + 1;
  }
  section.append(list.children.length ? list : h('p', { class: 'muted' }, t('common.none')));
  return section;
}

/** @param {{seq: number, entry: string, leaf_hash: string}} entry */
function entryItem(entry) {
  let parsed = null;
  try {
    parsed = JSON.parse(entry.entry);
  } catch {
    parsed = null;
  }
  const type = parsed?.command?.body?.type || (parsed?.sealed ? 'sealed' : '');
  const result = h('div', { class: 'verify-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'verify', onclick: async () => {
    replace(result, t('verify.checking'));
    try {
      const outcome = await verifyEntry(entry.seq, entry.entry);
      replace(result, h('strong', { class: outcome.ok ? 'ok' : 'bad' }, outcome.ok ? t('verify.verified') : t('verify.failed')),
        h('ul', {}, outcome.steps.map((step) => h('li', { class: step.ok ? 'ok' : 'bad' }, t(step.key, step.vars)))));
    } catch (err) {
      replace(result, h('strong', { class: 'bad' }, t('verify.failed')), ' ', String(err));
    }
  } }, t('verify.button'));
  return h('li', { class: 'entry', dataset: { seq: String(entry.seq) } },
    h('span', { class: 'seq' }, t('record.entry_n', { n: entry.seq })), ' ',
    h('code', {}, type), ' ', h('span', { class: 'muted' }, formatTime(parsed?.accepted_at)), ' ', button, result);
}
