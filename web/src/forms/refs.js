// The choices of a field that names an existing record (an agreement, a zone, an incident):
// read from the public API (or, for notifications, the signed-in one) and offered in a list,
// so that a person picks a record by its name and never types an id.

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
};

/** The largest page the API serves (`PAGE_SIZE_MAX`). */
const PAGE_SIZE_MAX = 1000;

function labelOf(row, id) {
  const name = row.name ?? row.title ?? row.headline ?? row.text ?? row.description ?? row.kind ?? row.notified?.name;
  const parts = [row.code, typeof name === 'string' ? name : null].filter(Boolean);
  const label = parts.join(' — ') || id;
  return label.length > 90 ? `${label.slice(0, 89)}…` : label;
}

/**
 * The records of `kind` as [{id, label, row}], newest last as the API lists them.
 * For agreements, `row.latest_version` is the number of its latest version.
 * @param {string} kind
 * @param {{base?: string, fetch?: typeof fetch}} [transport]
 */
export async function loadRefs(kind, transport = {}) {
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
