// One declarative spec per command a person does in the page: its fields by their full
// JSON path in the command body, their types, what is required, and the core's bounds
// (`limits.js`). The ids of the records a command creates are `id` fields: made by the page
// (UUIDv7), never shown or typed, as `truce submit` fills them (`crates/truce-cli/src/ids.rs`).
// The enums are the core's (`test/unit/specs.test.mjs` checks them, and every path, against
// the server's OpenAPI document).

import {
  CODE_LEN_MAX,
  COMMITMENTS_PER_VERSION_MAX,
  CORRIDORS_PER_VERSION_MAX,
  HALF_WIDTH_M_MAX,
  LIST_LEN_MAX,
  NAME_LEN_MAX,
  REASON_LEN_MAX,
  SIGNATORIES_MAX,
  UNCERTAINTY_M_MAX,
  WINDOWS_PER_CORRIDOR_MAX,
} from './limits.js';

export const ENUMS = {
  IncidentKind: [
    'shelling', 'airstrike', 'gunfire', 'attack_on_corridor', 'attack_on_convoy', 'obstruction', 'casualties',
    'atrocity', 'displacement', 'front_line_change', 'remote_explosive', 'suicide_bomb', 'chemical_weapon',
    'abduction', 'looting', 'sexual_violence', 'arrests', 'property_destruction',
  ],
  SourceKind: ['monitor_on_site', 'media', 'party', 'witness', 'social_media', 'relayed'],
  GeoPrecision: ['exact', 'near', 'region'],
  TimePrecision: ['day', 'week', 'month'],
  Grade: ['single_source', 'corroborated', 'verified', 'contested', 'discounted'],
  Group: ['civilians', 'fighters', 'wounded', 'humanitarian_convoys'],
  CommitmentKind: [
    'no_attack', 'secure_consent', 'cease_fire', 'allow_access', 'provide_transport', 'withdraw_forces',
    'evacuate', 'hand_over', 'allow_passage', 'release_detainees',
  ],
  EstimateKind: ['trapped', 'residents', 'displaced'],
  Direction: ['outbound', 'inbound'],
  Basis: ['increment', 'cumulative'],
  SiteKind: ['hospital', 'shelter', 'warehouse', 'school', 'office', 'distribution_point', 'displacement_site', 'other'],
  Requirement: ['holds', 'fulfilled', 'not_breached'],
  ZoneKind: ['besieged_area', 'neighbourhood', 'city', 'other'],
  ConvoyStatus: ['scheduled', 'moving', 'arrived', 'stopped', 'turned_back'],
};

const text = (path, extra = {}) => ({ path, type: 'text', max: NAME_LEN_MAX, ...extra });
const reason = (path, extra = {}) => ({ path, type: 'text', max: REASON_LEN_MAX, multiline: true, ...extra });
const when = (path, extra = {}) => ({ path, type: 'datetime', ...extra });
const ref = (path, kind, extra = {}) => ({ path, type: 'ref', ref: kind, ...extra });
const choice = (path, values, extra = {}) => ({ path, type: 'enum', values: ENUMS[values], ...extra });
const range = (path) => ({
  path,
  type: 'group',
  check: 'range',
  fields: [
    { path: 'min', type: 'integer', required: true },
    { path: 'max', type: 'integer' },
  ],
});

/** A source's report (`SourceReport`): who says so, and what. */
export const SOURCE_FIELDS = [
  { path: 'source_id', type: 'id' },
  text('organisation', { required: true }),
  choice('kind', 'SourceKind', { required: true, labelKey: 'forms.field.source_kind' }),
  reason('reference', { multiline: false }),
  when('published_at'),
  text('independence', { advanced: true }),
  ref('responsible_force_id', 'forces', { advanced: true }),
  reason('text', { advanced: true }),
  {
    path: 'casualties',
    type: 'group',
    advanced: true,
    fields: [range('killed'), range('injured'), range('civilians_killed'), range('children_killed')],
  },
];

const source = (path) => ({ path, type: 'group', required: true, fields: SOURCE_FIELDS });

const period = (path, extra = {}) => ({
  path,
  type: 'group',
  required: true,
  check: 'window',
  fields: [when('start', { required: true, default: 'now' }), when('end'), choice('precision', 'TimePrecision')],
  ...extra,
});

const reportedOnly = (scope, root) => root._provenance === 'reported';

/**
 * The fields every act of a party carries (`docs/time.md`): attested, nothing more; reported,
 * when it happened by the sources, whose act it was, and the sources.
 */
export const ACT_FIELDS = [
  { path: '_provenance', type: 'enum', values: ['attested', 'reported'], local: true, required: true },
  when('effective_at', { required: true, showIf: reportedOnly }),
  {
    path: 'reported',
    type: 'group',
    required: true,
    showIf: reportedOnly,
    fields: [
      ref('party_id', 'parties', { required: true, labelKey: 'forms.field.acting_party' }),
      { path: 'sources', type: 'list', min: 1, max: LIST_LEN_MAX, fields: SOURCE_FIELDS, itemKey: 'forms.item.source' },
    ],
  },
];

const quantity = (path, extra = {}) => ({ path, type: 'quantity', ...extra });

const BREAKDOWN = ['civilians', 'fighters', 'wounded', 'children', 'detainees'].map((group) => quantity(group));

const COUNT = {
  path: 'count',
  type: 'group',
  required: true,
  fields: [
    quantity('people', { required: true }),
    choice('basis', 'Basis', { required: true }),
    period('period'),
    { path: 'breakdown', type: 'group', fields: BREAKDOWN },
    source('source'),
    reason('note'),
  ],
};

const WINDOW_FIELDS = [when('start', { required: true, past: false }), when('end', { required: true, past: false })];

const CORRIDOR = {
  path: 'corridors',
  type: 'list',
  max: CORRIDORS_PER_VERSION_MAX,
  itemKey: 'forms.item.corridor',
  fields: [
    { path: 'corridor_id', type: 'id' },
    { path: 'code', type: 'code', max: CODE_LEN_MAX, required: true },
    text('name', { required: true }),
    { path: 'route', type: 'line', required: true },
    { path: 'half_width_m', type: 'number', min: 0, exclusiveMin: true, max: HALF_WIDTH_M_MAX, required: true, default: 250 },
    ref('origin_zone_id', 'zones', { required: true }),
    {
      path: 'destination',
      type: 'group',
      required: true,
      fields: [ref('zone_id', 'zones'), text('name', { required: true })],
    },
    { path: 'groups', type: 'enums', values: ENUMS.Group, max: LIST_LEN_MAX, emptyAs: [] },
    {
      path: 'windows',
      type: 'list',
      max: WINDOWS_PER_CORRIDOR_MAX,
      check: 'window',
      emptyAs: [],
      itemKey: 'forms.item.window',
      fields: [...WINDOW_FIELDS, { path: 'groups', type: 'enums', values: ENUMS.Group, max: LIST_LEN_MAX }],
    },
    { path: 'illustrative', type: 'bool' },
  ],
};

const COMMITMENT = {
  path: 'commitments',
  type: 'list',
  max: COMMITMENTS_PER_VERSION_MAX,
  itemKey: 'forms.item.commitment',
  fields: [
    { path: 'commitment_id', type: 'id' },
    ref('party_id', 'parties', { required: true }),
    choice('kind', 'CommitmentKind', { required: true, labelKey: 'forms.field.commitment_kind' }),
    {
      path: '_scope',
      type: 'enum',
      values: ['zone', 'corridor'],
      local: true,
      required: true,
      default: 'zone',
      fromBody: (item) => (item.scope?.corridor ? 'corridor' : 'zone'),
    },
    ref('scope.zone', 'zones', { required: true, showIf: (item) => (item._scope ?? 'zone') === 'zone', labelKey: 'forms.field.zone_id' }),
    ref('scope.corridor', 'corridors', { required: true, showIf: (item) => item._scope === 'corridor', labelKey: 'forms.field.corridor_id' }),
    { path: 'window', type: 'group', check: 'window', fields: WINDOW_FIELDS },
    { path: 'force_ids', type: 'refs', ref: 'forces', max: LIST_LEN_MAX },
    {
      path: 'conditions',
      type: 'list',
      max: LIST_LEN_MAX,
      itemKey: 'forms.item.condition',
      advanced: true,
      fields: [
        ref('commitment_id', 'commitments', { required: true }),
        choice('requires', 'Requirement', { required: true, default: 'holds' }),
      ],
    },
    reason('text', { required: true }),
  ],
};

const TERMS = {
  path: 'terms',
  type: 'group',
  required: true,
  fields: [
    CORRIDOR,
    {
      path: 'truce',
      type: 'group',
      fields: [
        ref('zone_id', 'zones', { required: true }),
        {
          path: 'start.kind',
          type: 'enum',
          values: ['immediately', 'at', 'when_fulfilled'],
          required: true,
          default: 'immediately',
          labelKey: 'forms.field.truce_start',
        },
        when('start.at', { required: true, past: false, showIf: (scope) => scope.start?.kind === 'at' }),
        {
          path: 'start.commitment_ids',
          type: 'refs',
          ref: 'commitments',
          required: true,
          showIf: (scope) => scope.start?.kind === 'when_fulfilled',
        },
        when('end', { past: false }),
      ],
      optionalUnless: 'zone_id',
    },
    COMMITMENT,
    { path: 'signatories', type: 'refs', ref: 'parties', required: true, max: SIGNATORIES_MAX },
    { path: 'sponsors', type: 'refs', ref: 'parties', max: LIST_LEN_MAX },
    { path: 'guarantors', type: 'refs', ref: 'parties', max: LIST_LEN_MAX },
  ],
};

const agreementAndVersion = [
  ref('agreement_id', 'agreements', { required: true }),
  { path: 'version', type: 'integer', min: 1, required: true, fillFrom: { ref: 'agreement_id', take: 'latest_version' } },
];

/** Every form, by command. `act: true` marks an act of a party (attested or reported). */
export const SPECS = {
  report_incident: {
    fields: [
      { path: 'incident_id', type: 'id' },
      choice('kind', 'IncidentKind', { required: true, labelKey: 'forms.field.incident_kind' }),
      {
        path: 'location',
        type: 'group',
        required: true,
        fields: [
          { path: 'position', type: 'point', required: true },
          { path: 'uncertainty_m', type: 'number', min: 0, max: UNCERTAINTY_M_MAX, required: true, default: 500 },
          choice('precision', 'GeoPrecision'),
          ref('zone_id', 'zones'),
        ],
      },
      period('when'),
      reason('description', { required: true }),
      source('source'),
      ref('convoy_id', 'convoys', { advanced: true }),
    ],
    offline: true,
  },
  correct_incident: {
    fields: [
      ref('incident_id', 'incidents', { required: true }),
      choice('kind', 'IncidentKind', { labelKey: 'forms.field.incident_kind' }),
      {
        path: 'location',
        type: 'group',
        fields: [
          { path: 'position', type: 'point', required: true },
          { path: 'uncertainty_m', type: 'number', min: 0, max: UNCERTAINTY_M_MAX, required: true },
          choice('precision', 'GeoPrecision'),
          ref('zone_id', 'zones'),
        ],
      },
      // No default time here: a correction leaves `when` as it was unless it is given.
      {
        path: 'when',
        type: 'group',
        check: 'window',
        fields: [when('start', { required: true }), when('end'), choice('precision', 'TimePrecision')],
      },
      reason('reason', { required: true }),
    ],
  },
  define_zone: {
    fields: [
      { path: 'zone_id', type: 'id' },
      { path: 'code', type: 'code', max: CODE_LEN_MAX, required: true },
      text('name', { required: true }),
      choice('kind', 'ZoneKind', { required: true, labelKey: 'forms.field.zone_kind' }),
      { path: 'boundary', type: 'polygon', required: true },
      { path: 'illustrative', type: 'bool' },
      when('effective_at', { labelKey: 'forms.field.in_effect_since' }),
    ],
  },
  redraw_zone: {
    fields: [
      ref('zone_id', 'zones', { required: true }),
      { path: 'boundary', type: 'polygon', required: true },
      when('effective_at', { required: true, default: 'now', labelKey: 'forms.field.in_effect_since' }),
    ],
  },
  record_zone_control: {
    fields: [
      ref('zone_id', 'zones', { required: true }),
      ref('force_id', 'forces', { required: true }),
      when('since', { required: true, default: 'now' }),
    ],
  },
  schedule_convoy: {
    fields: [
      { path: 'convoy_id', type: 'id' },
      ref('corridor_id', 'corridors', { required: true }),
      { path: 'buses', type: 'integer', required: true, default: 0 },
      { path: 'ambulances', type: 'integer', required: true, default: 0 },
      when('departs_at', { required: true, past: false }),
    ],
  },
  update_convoy: {
    fields: [
      ref('convoy_id', 'convoys', { required: true }),
      choice('status', 'ConvoyStatus', { required: true, labelKey: 'forms.field.convoy_status' }),
      reason('note'),
      when('effective_at', { labelKey: 'forms.field.status_since' }),
    ],
  },
  add_source: {
    fields: [ref('incident_id', 'incidents', { required: true }), source('source')],
  },
  propose_agreement: {
    act: true,
    fields: [{ path: 'agreement_id', type: 'id' }, text('title', { required: true }), TERMS, reason('note')],
  },
  propose_version: {
    act: true,
    fields: [
      ref('agreement_id', 'agreements', { required: true }),
      { path: 'supersedes', type: 'integer', min: 1, required: true, fillFrom: { ref: 'agreement_id', take: 'latest_version' } },
      TERMS,
      reason('note'),
    ],
    carryTerms: true,
  },
  endorse: { act: true, fields: [...agreementAndVersion] },
  reject: { act: true, fields: [...agreementAndVersion, reason('reason', { required: true })] },
  withdraw: { act: true, fields: [...agreementAndVersion, reason('reason')] },
  suspend: { act: true, fields: [ref('agreement_id', 'agreements', { required: true }), reason('reason', { required: true })] },
  resume: { act: true, fields: [ref('agreement_id', 'agreements', { required: true }), reason('reason')] },
  declare_broken: { act: true, fields: [ref('agreement_id', 'agreements', { required: true }), reason('reason', { required: true })] },
  declare_completed: { act: true, fields: [ref('agreement_id', 'agreements', { required: true }), reason('note')] },
  record_consent: {
    act: true,
    fields: [
      { path: 'consent_id', type: 'id' },
      ref('force_id', 'forces', { required: true }),
      ref('corridor_id', 'corridors', { required: true }),
      reason('note'),
    ],
  },
  report_fulfilled: { act: true, fields: [ref('commitment_id', 'commitments', { required: true }), reason('note')] },
  record_passage: {
    fields: [
      { path: 'passage_id', type: 'id' },
      ref('corridor_id', 'corridors', { required: true }),
      choice('direction', 'Direction', { required: true, default: 'outbound' }),
      ref('convoy_id', 'convoys'),
      { path: 'vehicles', type: 'integer' },
      COUNT,
    ],
  },
  report_total: {
    fields: [
      { path: 'total_id', type: 'id' },
      { path: 'scope', type: 'group', required: true, fields: [ref('corridor_id', 'corridors'), ref('zone_id', 'zones')] },
      COUNT,
    ],
    checks: [
      (body, errors) => {
        if (!body.scope?.corridor_id && !body.scope?.zone_id) {
          errors.push({ path: 'scope.corridor_id', key: 'forms.error.scope', params: {} });
        }
      },
    ],
  },
  estimate_population: {
    fields: [
      { path: 'estimate_id', type: 'id' },
      ref('zone_id', 'zones', { required: true }),
      choice('kind', 'EstimateKind', { required: true, labelKey: 'forms.field.estimate_kind' }),
      quantity('people', { required: true }),
      { path: 'breakdown', type: 'group', fields: BREAKDOWN },
      { path: 'destination', type: 'group', fields: [ref('zone_id', 'zones'), text('name', { required: true })] },
      when('as_of', { required: true, default: 'now' }),
      source('source'),
      reason('note'),
    ],
  },
  notify_humanitarian: {
    fields: [
      { path: 'notification_id', type: 'id' },
      {
        path: 'notified',
        type: 'group',
        required: true,
        fields: [
          { path: 'kind', type: 'enum', values: ['site', 'movement'], required: true, default: 'site', labelKey: 'forms.field.notified_kind' },
          text('name', { required: true, showIf: (scope) => scope.kind !== 'movement' }),
          choice('site_kind', 'SiteKind', { required: true, showIf: (scope) => scope.kind !== 'movement' }),
          { path: 'position', type: 'point', required: true, showIf: (scope) => scope.kind !== 'movement' },
          { path: 'radius_m', type: 'number', min: 0, max: HALF_WIDTH_M_MAX, required: true, default: 100, showIf: (scope) => scope.kind !== 'movement' },
          { path: 'route', type: 'line', required: true, showIf: (scope) => scope.kind === 'movement' },
          { path: 'half_width_m', type: 'number', min: 0, max: HALF_WIDTH_M_MAX, required: true, default: 100, showIf: (scope) => scope.kind === 'movement' },
          { path: 'window', type: 'group', required: true, check: 'window', fields: WINDOW_FIELDS, showIf: (scope) => scope.kind === 'movement' },
          { path: 'vehicles', type: 'integer', required: true, showIf: (scope) => scope.kind === 'movement' },
          reason('markings', { showIf: (scope) => scope.kind === 'movement' }),
          ref('convoy_id', 'convoys', { showIf: (scope) => scope.kind === 'movement' }),
        ],
      },
      { path: 'party_ids', type: 'refs', ref: 'parties', required: true, max: LIST_LEN_MAX },
      when('deadline', { required: true, past: false }),
      when('valid_until', { past: false }),
      { path: 'personnel', type: 'integer' },
      text('on_behalf_of'),
    ],
  },
  acknowledge_notification: { fields: [ref('notification_id', 'notifications', { required: true })] },
  withdraw_notification: { fields: [ref('notification_id', 'notifications', { required: true }), reason('reason')] },
  grade_incident: {
    fields: [ref('incident_id', 'incidents', { required: true }), choice('grade', 'Grade', { required: true }), reason('reason', { required: true })],
  },
  mark_duplicate: {
    fields: [
      ref('incident_id', 'incidents', { required: true }),
      ref('duplicate_of', 'incidents', { required: true }),
      reason('reason', { required: true }),
    ],
    checks: [
      (body, errors) => {
        if (body.incident_id && body.incident_id === body.duplicate_of) {
          errors.push({ path: 'duplicate_of', key: 'forms.error.same_incident', params: {} });
        }
      },
    ],
  },
  dismiss_violation: {
    fields: [
      ref('incident_id', 'incidents', { required: true }),
      ref('commitment_id', 'commitments'),
      ref('notification_id', 'notifications'),
      reason('reason', { required: true }),
    ],
  },
  retract: {
    fields: [{ path: 'seq', type: 'integer', min: 1, required: true }, reason('reason', { required: true })],
  },
  acknowledge_alert: { fields: [ref('alert_id', 'alerts', { required: true })] },
};

for (const [command, spec] of Object.entries(SPECS)) {
  spec.command = command;
  if (spec.act) spec.fields = [...spec.fields, ...ACT_FIELDS];
}
