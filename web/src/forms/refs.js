// The choices of a field that names an existing record (an agreement, a zone, an incident):
// read from the public API (or, for notifications, the signed-in one) and offered in a list,
// so that a person picks a record by its name and never types an id.
// Some records are named by several fields (a violation by its incident and commitment, a
// version by its agreement and number, an act by its agreement and entry): their option's
// id is the JSON of those fields (`composite`), sent beside one another (`spread`). Records
// with no list of their own (totals, estimates, the entries one may retract) are read off
// the newest entries of the ledger.

import { composite } from './model.js';
import { nameIn } from '../names.js';

/** Where each kind of record is listed, and the key of its id. */
export const REF_SOURCES = {
  agreements: { url: '/api/v1/agreements', id: 'agreement_id' },
  parties: { url: '/api/v1/parties', id: 'party_id' },
  forces: { url: '/api/v1/forces', id: 'force_id' },
  zones: { url: '/api/v1/zones', id: 'zone_id' },
  corridors: { url: '/api/v1/corridors', id: 'corridor_id' },
  incidents: { url: '/api/v1/incidents', id: 'incident_id' },
  convoys: { url: '/api/v1/convoys', id: 'convoy_id' },
  notifications: { url: '/api/v1/notifications', id: 'notification_id' },
  alerts: { url: '/api/v1/alerts', id: 'alert_id' },
  commitments: { url: '/api/v1/commitments', id: 'commitment_id' },
  passages: { url: '/api/v1/passages', id: 'passage_id' },
  observations: { url: '/api/v1/observations', id: 'observation_id' },
  // Signed in: the accounts of the session's party (every account, for an operator).
  accounts: { url: '/api/v1/accounts', id: 'account_id' },
};

/** Records named by several fields: where they are read and how each row becomes options. */
const COMPOSITE_SOURCES = {
  violations: { url: '/api/v1/violations', rows: violationOptions },
  commitment_violations: {
    url: '/api/v1/violations',
    rows: (items, transport) => violationOptions(items.filter((row) => row.commitment_id), transport),
  },
  versions: { url: '/api/v1/agreements', rows: versionOptions },
  acts: { url: '/api/v1/agreements', rows: actOptions },
};

/** The keys each composite kind's id is made of (the form sends them beside one another). */
export const COMPOSITE_KEYS = {
  violations: ['incident_id', 'commitment_id', 'notification_id'],
  commitment_violations: ['incident_id', 'commitment_id'],
  versions: ['agreement_id', 'version'],
  acts: ['agreement_id', 'seq'],
};

/** The id of the option naming the record whose fields are in `scope`, or undefined. */
export function compositeOf(kind, scope) {
  const keys = COMPOSITE_KEYS[kind].filter((key) => scope?.[key] !== undefined && scope?.[key] !== null);
  const id = keys.length >= 2 ? composite(scope, keys) : null;
  return id ?? undefined;
}

const short = (id) => String(id).slice(-6);

/**
 * A violation by what it is: the incident's description against the commitment's text (or
 * the notified site's name), read from their own lists.
 */
async function violationOptions(items, transport) {
  const [incidents, commitments, notifications] = await Promise.all(
    ['/api/v1/incidents', '/api/v1/commitments', '/api/v1/notifications'].map((url) => getJson(`${url}?limit=${PAGE_SIZE_MAX}`, transport).catch(() => null)),
  );
  const named = (listed, key) => new Map((listed?.items ?? []).map((row) => [row[key], row]));
  const incidentOf = named(incidents, 'incident_id');
  const commitmentOf = named(commitments, 'commitment_id');
  const notificationOf = named(notifications, 'notification_id');
  return items.map((row) => {
    const parts = { incident_id: row.incident_id };
    if (row.commitment_id) parts.commitment_id = row.commitment_id;
    else if (row.notification_id) parts.notification_id = row.notification_id;
    const incident = incidentOf.get(row.incident_id)?.description ?? `…${short(row.incident_id)}`;
    const broken = row.commitment_id
      ? (commitmentOf.get(row.commitment_id)?.text ?? `…${short(row.commitment_id)}`)
      : (notificationOf.get(row.notification_id)?.notified?.name ?? `…${short(row.notification_id)}`);
    return { id: composite(parts), label: `${clip(incident, 42)} × ${clip(broken, 42)} (${row.status ?? ''})`, row };
  });
}

function versionOptions(items) {
  return items.flatMap((agreement) =>
    (agreement.versions ?? []).map((version) => ({
      id: composite({ agreement_id: agreement.agreement_id, version: version.version }),
      label: clip(`${agreement.title} — v${version.version} (${version.status ?? ''})`),
      row: { ...version, agreement_id: agreement.agreement_id },
    })),
  );
}

function actOptions(items) {
  return items.flatMap((agreement) =>
    (agreement.acts ?? []).map((act) => ({
      id: composite({ agreement_id: agreement.agreement_id, seq: act.seq }),
      label: clip(`${agreement.title} — ${act.act}${act.version ? ` v${act.version}` : ''}, ${act.at} (#${act.seq})`),
      row: act,
    })),
  );
}

/** The newest entries of the ledger read for records with no list of their own. */
const ENTRIES_READ = 1000;

/** Commands whose entry a retraction may take back (`retractable_of` in core). */
const RETRACTABLE = new Set([
  'report_incident', 'add_source', 'make_statement', 'record_reading', 'record_observation', 'estimate_population',
  'record_passage', 'report_total', 'redraw_zone', 'record_zone_control',
]);
/** Acts of a party: retractable when reported, never when attested. */
const REPORTED_ACTS = new Set([
  'record_consent', 'endorse', 'reject', 'withdraw', 'suspend', 'resume', 'declare_broken', 'declare_completed',
  'report_fulfilled',
]);

const LEDGER_SOURCES = {
  totals: { type: 'report_total', id: 'total_id' },
  estimates: { type: 'estimate_population', id: 'estimate_id' },
};

async function getJson(url, transport) {
  const doFetch = transport.fetch ?? globalThis.fetch;
  const response = await doFetch(`${transport.base ?? ''}${url}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  return response.ok ? response.json() : null;
}

/** The newest entries of the ledger, newest first, as `{seq, accepted_at, command}`. */
async function newestEntries(transport) {
  const status = await getJson('/api/v1/status', transport);
  const size = status?.tree_size ?? 0;
  const out = [];
  for (let from = Math.max(0, size - ENTRIES_READ); from < size; ) {
    const page = await getJson(`/api/v1/ledger/entries?from=${from}&limit=${PAGE_SIZE_MAX}`, transport);
    const entries = page?.entries ?? [];
    if (entries.length === 0) break;
    for (const { seq, entry } of entries) {
      try {
        const parsed = JSON.parse(entry);
        out.push({ seq, accepted_at: parsed.accepted_at, command: parsed.command });
      } catch {
        // Not JSON: a sealed entry, whose body the public cannot read.
      }
    }
    from = entries[entries.length - 1].seq + 1;
  }
  return out.reverse();
}

function describeBody(body) {
  const text = body.description ?? body.text ?? body.title ?? body.reason ?? body.note ?? body.source?.organisation ?? body.reading?.says;
  return typeof text === 'string' ? text : '';
}

/**
 * The entries `session` may retract, newest first: records of a retractable kind, recorded
 * by the session's account or party (every one for an analyst, who may retract any), not
 * retracted yet. Their option id is the entry's `seq`.
 */
async function retractableOptions(transport, session, nameOf = (type) => type) {
  const [entries, retractions] = await Promise.all([newestEntries(transport), getJson('/api/v1/retractions?limit=1000', transport)]);
  const gone = new Set((retractions?.items ?? []).map((row) => row.seq));
  const analyst = (session?.roles ?? []).includes('analyst');
  return entries
    .filter(({ seq, command }) => {
      const type = command?.body?.type;
      if (gone.has(seq)) return false;
      if (!(RETRACTABLE.has(type) || (REPORTED_ACTS.has(type) && command.body.reported))) return false;
      return analyst || command.author === session?.account_id || (session?.party_id && command.party === session.party_id);
    })
    .map(({ seq, accepted_at: at, command }) => ({
      id: String(seq),
      label: clip(`#${seq} ${nameOf(command.body.type)}, ${at?.slice(0, 19) ?? ''}Z: ${describeBody(command.body)}`),
      row: { seq, ...command.body },
    }));
}

/** The command that creates each kind of retractable record, by its id's key. */
const CREATED_BY = {
  incident_id: 'report_incident',
  source_id: 'add_source',
  statement_id: 'make_statement',
  reading_id: 'record_reading',
  observation_id: 'record_observation',
  estimate_id: 'estimate_population',
  passage_id: 'record_passage',
  total_id: 'report_total',
  consent_id: 'record_consent',
};

/**
 * The entry (its `seq`, as a string) among `options` (from `loadRefs('entries')`) that
 * recorded the record `given` names by its id (`{incident_id}`, `{source_id}`, …), for a
 * retraction opened from a record's view that does not carry its entry; null when none.
 */
export function entryOf(options, given) {
  for (const [key, type] of Object.entries(CREATED_BY)) {
    const id = given?.[key];
    if (!id) continue;
    const found = options.find(({ row }) => row.type === type && (row[key] === id || row.source?.[key] === id));
    if (found) return found.id;
  }
  return null;
}

function clip(label, max = 90) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** The largest page the API serves (`PAGE_SIZE_MAX`). */
const PAGE_SIZE_MAX = 1000;

function labelOf(row, id) {
  // Parties, zones and corridors by their name in the page's language, when they have one.
  const lang = globalThis.document?.documentElement?.lang ?? 'en';
  const name =
    nameIn(row, lang) ?? row.title ?? row.headline ?? row.text ?? row.description ?? row.kind ?? row.notified?.name ?? row.observed ?? row.source?.organisation;
  const parts = [row.code, typeof name === 'string' ? name : null].filter(Boolean);
  const label = parts.join(' — ') || id;
  return clip(label);
}

/**
 * The records of `kind` as [{id, label, row}], newest last as the API lists them (the
 * entries one may retract: newest first). For agreements, `row.latest_version` is the number
 * of its latest version.
 * @param {string} kind
 * @param {{base?: string, fetch?: typeof fetch}} [transport]
 * @param {{account_id: string, party_id?: string | null, roles?: string[]} | null} [session]
 * @param {{nameOf?: (type: string) => string}} [how] `nameOf`: a command's name for people
 */
export async function loadRefs(kind, transport = {}, session = null, how = {}) {
  if (kind === 'entries') return retractableOptions(transport, session, how.nameOf);
  if (LEDGER_SOURCES[kind]) {
    const { type, id } = LEDGER_SOURCES[kind];
    return (await newestEntries(transport))
      .filter(({ command }) => command?.body?.type === type)
      .map(({ seq, accepted_at: at, command }) => ({ id: command.body[id], label: clip(`${at?.slice(0, 16) ?? ''} ${describeBody(command.body)} (#${seq})`), row: command.body }));
  }
  if (COMPOSITE_SOURCES[kind]) {
    const listed = await getJson(`${COMPOSITE_SOURCES[kind].url}?limit=${PAGE_SIZE_MAX}`, transport);
    return COMPOSITE_SOURCES[kind].rows(listed?.items ?? [], transport);
  }
  const source = REF_SOURCES[kind];
  if (!source) throw new Error(`no list of ${kind}`);
  const doFetch = transport.fetch ?? globalThis.fetch;
  const response = await doFetch(`${transport.base ?? ''}${source.url}?limit=${PAGE_SIZE_MAX}`, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  if (!response.ok) return [];
  const listed = await response.json();
  const items = Array.isArray(listed) ? listed : (listed.items ?? []);
  return items
    .map((item) => {
      const row = { ...item, ...(item.properties ?? {}) };
      if (Array.isArray(row.versions) && row.versions.length > 0) {
        row.latest_version = Math.max(...row.versions.map((version) => version.version));
      }
      const id = row[source.id];
      return id ? { id: String(id), label: labelOf(row, String(id)), row } : null;
    })
    .filter(Boolean);
}
