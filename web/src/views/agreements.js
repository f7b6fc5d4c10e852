// @ts-check
/**
 * Agreements: the list, and the thread of one agreement: each version beside the one before
 * (corridors, windows, truce, commitments and their conditions that changed), and for each
 * party what it did and when, attested (signed by the party) or reported (by someone else,
 * with sources). Plus its history from the ledger, each entry verifiable (`verify.js`).
 */
import { h } from '../dom.js';
import { t, formatTime, localName } from '../i18n.js';
import { api, apiAll } from '../api.js';
import { jobsFor, openForm, ensureKey } from '../forms/index.js';
import { lazyMapAdapter } from '../map.js';
import { ledgerHistory } from './record.js';

/** @param {HTMLElement} view @param {any} app */
export async function renderAgreements(view, app) {
  const agreements = await apiAll('/api/v1/agreements', { at: app.at || undefined, known_at: app.knownAt || undefined });
  view.append(h('h1', {}, t('nav.agreements')),
    agreements.length ? h('ul', { class: 'cards' }, agreements.map((a) => h('li', { class: 'card' },
      h('h2', {}, h('a', { href: `/agreements/${a.agreement_id}`, 'data-link': '' }, a.title)),
      h('p', {}, t(`agreement_status.${a.status?.status}`), ' · ', t('agreement.versions', { count: a.versions.length }),
        ' · ', t('agreement.proposed_by', { party: partyLabel(app, a.proposed_by), at: formatTime(a.proposed_at) })))))
      : h('p', {}, t('common.none')));
}

/** @param {any} app @param {string} partyId */
function partyLabel(app, partyId) {
  const party = app.parties.get(partyId);
  return party ? localName(party) : partyId;
}

/** @param {HTMLElement} view @param {any} app @param {string} id */
export async function renderAgreement(view, app, id) {
  const agreement = await api(`/api/v1/agreements/${id}`, { query: { at: app.at || undefined, known_at: app.knownAt || undefined } });
  const versions = agreement.versions || [];
  const latest = versions[versions.length - 1];
  view.append(h('h1', {}, agreement.title),
    h('p', { class: 'lead' },
      h('span', { class: `status-chip status-${agreement.status?.status}` }, t(`agreement_status.${agreement.status?.status}`)), ' ',
      t('agreement.proposed_by', { party: partyLabel(app, agreement.proposed_by), at: formatTime(agreement.proposed_at) })));

  if (app.session) {
    const formBox = h('div', { class: 'form-box' });
    const jobs = jobsFor(app.session).filter((/** @type {any} */ job) => /version|endorse|reject|withdraw|consent|suspend/.test(job.command));
    if (jobs.length) {
      view.append(h('section', { class: 'jobs' }, h('h2', {}, t('jobs.title')),
        h('ul', { class: 'job-list' }, jobs.map((/** @type {any} */ job) => h('li', {}, h('button', { type: 'button', 'data-command': job.command, onclick: async () => {
          await ensureKey(formBox, app.session, t);
          await openForm(formBox, job.command, { session: app.session, map: lazyMapAdapter(formBox, app), t, lang: document.documentElement.lang, prefill: { agreement_id: id, version: latest?.version } });
        } }, t(job.labelKey))))), formBox));
    }
  }

  view.append(h('section', { class: 'parties-acts' }, h('h2', {}, t('agreement.who_did_what')), actsTable(app, agreement)));
  const thread = h('ol', { class: 'thread', 'aria-label': t('agreement.thread') });
  versions.forEach((version, index) => thread.append(versionCard(app, version, versions[index - 1])));
  view.append(h('section', {}, h('h2', {}, t('agreement.thread')), thread));
  view.append(await ledgerHistory(app, id));
}

/** For each party: each act, when, attested or reported, with the sources. */
function actsTable(app, agreement) {
  const rows = [];
  const sourcesByKey = new Map();
  for (const version of agreement.versions || []) {
    for (const stance of version.stances || []) sourcesByKey.set(`${stance.party_id}/${version.version}/${stance.stance}`, stance.sources || []);
    sourcesByKey.set(`${version.proposed_by}/${version.version}/proposed`, version.sources || []);
  }
  const signatories = new Set((agreement.versions || []).flatMap((/** @type {any} */ v) => v.terms?.signatories || []));
  const guarantors = new Set((agreement.versions || []).flatMap((/** @type {any} */ v) => (v.terms?.commitments || []).map((/** @type {any} */ c) => c.party_id)));
  for (const act of agreement.acts || []) {
    const roles = [];
    if (act.party_id === agreement.proposed_by) roles.push(t('agreement.role_sponsor'));
    if (signatories.has(act.party_id)) roles.push(t('agreement.role_signatory'));
    if (guarantors.has(act.party_id)) roles.push(t('agreement.role_guarantor'));
    const actName = act.act === 'proposed' || act.act === 'proposed_version' ? 'proposed' : act.act === 'endorsed' ? 'endorsed' : act.act;
    const sources = sourcesByKey.get(`${act.party_id}/${act.version ?? 1}/${actName}`) || [];
    rows.push(h('tr', {},
      h('td', {}, partyLabel(app, act.party_id), roles.length ? h('div', { class: 'muted' }, roles.join(', ')) : null),
      h('td', {}, h('span', { class: `act act-${act.act}` }, t(`act.${act.act}`)), act.version ? ` (${t('agreement.version_n', { n: act.version })})` : ''),
      h('td', {}, formatTime(act.at)),
      h('td', {}, act.reported ? h('span', { class: 'reported' }, t('provenance.reported')) : h('span', { class: 'attested' }, t('provenance.attested')),
        sources.length ? h('ul', { class: 'sources' }, sources.map((/** @type {any} */ s) => h('li', {}, `${s.organisation}: ${s.reference || s.text || ''}`))) : null)));
  }
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('agreement.party')), h('th', { scope: 'col' }, t('agreement.act')), h('th', { scope: 'col' }, t('agreement.when')), h('th', { scope: 'col' }, t('agreement.provenance')))),
    h('tbody', {}, rows)));
}

/** One version, with what changed since `previous`. */
function versionCard(app, version, previous) {
  const changes = diffTerms(version.terms || {}, previous?.terms || null);
  return h('li', { class: `version version-${version.status}` },
    h('h3', {}, t('agreement.version_n', { n: version.version }), ' · ', h('span', { class: `status-chip status-${version.status}` }, t(`version_status.${version.status}`))),
    h('p', {}, t('agreement.proposed_by', { party: partyLabel(app, version.proposed_by), at: formatTime(version.proposed_at) }), ' · ',
      version.provenance === 'reported' ? t('provenance.reported') : t('provenance.attested')),
    version.note ? h('blockquote', {}, version.note) : null,
    h('div', { class: 'side-by-side' },
      h('div', { class: 'was' }, h('h4', {}, previous ? t('agreement.before', { n: previous.version }) : t('agreement.first')), termsSummary(app, previous?.terms)),
      h('div', { class: 'now' }, h('h4', {}, t('agreement.this_version')), termsSummary(app, version.terms))),
    h('h4', {}, t('agreement.changes')),
    changes.length ? h('ul', { class: 'changes' }, changes) : h('p', { class: 'muted' }, t('agreement.no_changes')));
}

function termsSummary(app, terms) {
  if (!terms) return h('p', { class: 'muted' }, t('common.none'));
  return h('ul', { class: 'terms' },
    (terms.corridors || []).map((/** @type {any} */ c) => h('li', {}, `${t('agreement.corridor')} ${c.code}: ${localName(c)} (${(c.windows || []).length} ${t('corridor.windows').toLowerCase()})`)),
    terms.truce ? h('li', {}, t('agreement.truce'), ': ', t(`truce_start.${terms.truce.start?.kind}`)) : null,
    (terms.commitments || []).map((/** @type {any} */ c) => h('li', {}, `${t('agreement.commitment')} (${partyLabel(app, c.party_id)}): ${c.text || t(`commitment_kind.${c.kind}`)}`)),
    h('li', {}, t('agreement.signatories'), ': ', (terms.signatories || []).map((/** @type {string} */ p) => partyLabel(app, p)).join(', ')));
}

/** What changed between two versions' terms, as list items. */
function diffTerms(terms, before) {
  /** @type {HTMLElement[]} */
  const items = [];
  if (!before) return [h('li', {}, t('agreement.first_version'))];
  const byId = (list, key) => new Map((list || []).map((/** @type {any} */ x) => [x[key], x]));
  const corridorsNow = byId(terms.corridors, 'corridor_id');
  const corridorsBefore = byId(before.corridors, 'corridor_id');
  for (const [id, c] of corridorsNow) {
    const old = corridorsBefore.get(id);
    if (!old) items.push(h('li', { class: 'added' }, t('diff.corridor_added', { code: c.code })));
    else {
      if (JSON.stringify(old.windows) !== JSON.stringify(c.windows)) items.push(h('li', { class: 'changed' }, t('diff.windows_changed', { code: c.code })));
      if (JSON.stringify(old.route) !== JSON.stringify(c.route) || old.half_width_m !== c.half_width_m) items.push(h('li', { class: 'changed' }, t('diff.route_changed', { code: c.code })));
      if (JSON.stringify(old.groups) !== JSON.stringify(c.groups)) items.push(h('li', { class: 'changed' }, t('diff.groups_changed', { code: c.code })));
    }
  }
  for (const [id, c] of corridorsBefore) if (!corridorsNow.has(id)) items.push(h('li', { class: 'removed' }, t('diff.corridor_removed', { code: c.code })));
  if (JSON.stringify(terms.truce) !== JSON.stringify(before.truce)) items.push(h('li', { class: 'changed' }, t('diff.truce_changed')));
  const commitmentsNow = byId(terms.commitments, 'commitment_id');
  const commitmentsBefore = byId(before.commitments, 'commitment_id');
  for (const [id, c] of commitmentsNow) {
    const old = commitmentsBefore.get(id);
    if (!old) items.push(h('li', { class: 'added' }, t('diff.commitment_added', { text: c.text || c.kind })));
    else if (JSON.stringify(old.conditions) !== JSON.stringify(c.conditions)) items.push(h('li', { class: 'changed' }, t('diff.conditions_changed', { text: c.text || c.kind })));
    else if (JSON.stringify(old) !== JSON.stringify(c)) items.push(h('li', { class: 'changed' }, t('diff.commitment_changed', { text: c.text || c.kind })));
  }
  for (const [id, c] of commitmentsBefore) if (!commitmentsNow.has(id)) items.push(h('li', { class: 'removed' }, t('diff.commitment_removed', { text: c.text || c.kind })));
  if (JSON.stringify(terms.signatories) !== JSON.stringify(before.signatories)) items.push(h('li', { class: 'changed' }, t('diff.signatories_changed')));
  return items;
}
