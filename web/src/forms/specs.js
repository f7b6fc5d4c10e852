// One declarative spec per command a person does in the page: its fields by their full
// JSON path in the command body, their types, what is required, and the core's bounds
// (`limits.js`). The ids of the records a command creates are `id` fields: made by the page
// (UUIDv7), never shown or typed, as `truce submit` fills them (`crates/truce-cli/src/ids.rs`).
// The enums are the core's (`test/unit/specs.test.mjs` checks them, and every path, against
// the server's OpenAPI document).

import { COMPOSITE_KEYS, compositeOf } from './refs.js';
import {
  CODE_LEN_MAX,
  COMMITMENTS_PER_VERSION_MAX,
  CORRIDORS_PER_VERSION_MAX,
  HALF_WIDTH_M_MAX,
  LIST_LEN_MAX,
  NAME_LEN_MAX,
  OBSERVED_DISTANCE_M_MAX,
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
  StanceOn: ['confirms', 'denies', 'accuses', 'mentions'],
  RecordKind: ['incident', 'violation', 'convoy', 'version', 'act', 'passage', 'total', 'estimate', 'observation'],
  StatementKind: ['statement', 'mandate', 'resolution'],
  ReadingTopic: ['who_may_leave', 'how_many', 'destination', 'timing', 'guarantees', 'other'],
  ObservedKind: ['explosion', 'fire', 'flare', 'drone', 'movement'],
  Perception: ['heard', 'seen', 'heard_and_seen'],
  Weapon: [
    'artillery', 'mortar', 'tank', 'rocket_launcher', 'anti_aircraft_gun', 'heavy_machine_gun', 'small_arms',
    'grenade_launcher', 'drone', 'undetermined',
  ],
};

/** An `age` X25519 recipient, the shape the server takes (`EncryptionKeyText`). */
export const AGE_RECIPIENT = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

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
  fields: [when('start', { required: true, default: 'now' }), when('end', { labelKey: 'forms.field.end_open' }), choice('precision', 'TimePrecision')],
  ...extra,
});

/**
 * A record several fields name, chosen from one list (`refs.js` composite kinds): a
 * violation, a version, an act. Its fields go in the body beside one another.
 */
const compositeRef = (path, kind, extra = {}) =>
  ref(path, kind, { spread: true, keys: COMPOSITE_KEYS[kind], fromBody: (scope) => compositeOf(kind, scope), ...extra });


const recordIs = (...kinds) => (scope) => kinds.includes(scope.record ?? 'incident');

/**
 * A record a statement is about, typed by what it is (`RecordRef`, docs/statements.md):
 * first what kind of record, then that record from its list.
 */
const RECORD_REF = {
  path: 'record',
  type: 'group',
  required: true,
  fields: [
    { path: 'record', type: 'enum', values: ['incident', 'violation', 'convoy', 'version', 'act', 'passage', 'total', 'estimate', 'observation'], required: true, default: 'incident', labelKey: 'forms.field.record_kind' },
    ref('incident_id', 'incidents', { required: true, showIf: recordIs('incident') }),
    compositeRef('_violation', 'commitment_violations', { required: true, showIf: recordIs('violation'), labelKey: 'forms.field.violation' }),
    ref('convoy_id', 'convoys', { required: true, showIf: recordIs('convoy') }),
    compositeRef('_version', 'versions', { required: true, showIf: recordIs('version'), labelKey: 'forms.field.version_of' }),
    compositeRef('_act', 'acts', { required: true, showIf: recordIs('act'), labelKey: 'forms.field.act' }),
    ref('passage_id', 'passages', { required: true, showIf: recordIs('passage') }),
    ref('total_id', 'totals', { required: true, showIf: recordIs('total') }),
    ref('estimate_id', 'estimates', { required: true, showIf: recordIs('estimate') }),
    ref('observation_id', 'observations', { required: true, showIf: recordIs('observation') }),
  ],
};

/** What a statement says about one record: its stance, and the force it accuses. */
const ABOUT = {
  path: 'about',
  type: 'list',
  max: LIST_LEN_MAX,
  itemKey: 'forms.item.about',
  fields: [
    choice('stance', 'StanceOn', { required: true, default: 'mentions', labelKey: 'forms.field.stance' }),
    ref('force_id', 'forces', { required: true, showIf: (item) => item.stance === 'accuses', labelKey: 'forms.field.accused_force' }),
    RECORD_REF,
  ],
};

const isDecision = (scope) => scope.kind === 'mandate' || scope.kind === 'resolution';

const LOCATION_FIELDS = [
  { path: 'position', type: 'point', required: true },
  { path: 'uncertainty_m', type: 'number', min: 0, max: UNCERTAINTY_M_MAX, required: true, default: 500 },
  choice('precision', 'GeoPrecision'),
  ref('zone_id', 'zones'),
];

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
        fields: [when('start', { required: true }), when('end', { labelKey: 'forms.field.end_open' }), choice('precision', 'TimePrecision')],
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
  // Opened from a violation's view with `prefill: {incident_id, commitment_id}` (or
  // `notification_id`); else the violation is chosen from the list of violations.
  dismiss_violation: {
    fields: [compositeRef('_violation', 'violations', { required: true, labelKey: 'forms.field.violation' }), reason('reason', { required: true })],
  },
  // Opened from a record's view with `prefill: {seq}` (the entry that recorded it); else the
  // entry is chosen from those of the newest the session may retract.
  retract: {
    fields: [ref('seq', 'entries', { required: true, numeric: true, labelKey: 'forms.field.entry' }), reason('reason', { required: true })],
  },
  acknowledge_alert: { fields: [ref('alert_id', 'alerts', { required: true })] },
  // Opened for one of the party's accounts (`prefill: {account_id}`, else chosen); the code
  // and its hash are made by the page (`accounts.js`), never typed.
  create_enrolment: {
    fields: [
      ref('account_id', 'accounts', { required: true }),
      { path: '_expires_in', type: 'enum', values: ['hour', 'day', 'three_days', 'six_days'], local: true, required: true, default: 'day', labelKey: 'forms.field.expires_in' },
      { path: 'code_sha256', type: 'made' },
      { path: 'expires_at', type: 'made' },
    ],
    prepare: 'enrolment',
  },
  // `prefill: {account_id, public_key}` from an account's view; else the account (the
  // session's own first) and then one of its active keys.
  revoke_key: {
    fields: [
      ref('account_id', 'accounts', { required: true }),
      { path: 'public_key', type: 'ref', ref: 'keys', optionsFrom: { ref: 'account_id', take: 'public_keys' }, required: true },
      reason('reason'),
    ],
    ownAccount: true,
  },
  // Only the account itself may: the session's own account, never chosen.
  set_encryption_key: {
    fields: [
      { path: 'account_id', type: 'session', take: 'account_id' },
      text('encryption_key', { required: true, max: 62, pattern: AGE_RECIPIENT, patternKey: 'forms.error.age_recipient' }),
    ],
  },
  make_statement: {
    act: true,
    fields: [
      { path: 'statement_id', type: 'id' },
      choice('kind', 'StatementKind', { default: 'statement', labelKey: 'forms.field.statement_kind' }),
      reason('text', { required: true, labelKey: 'forms.field.statement_text' }),
      ABOUT,
      reason('document', { multiline: false, showIf: isDecision }),
      {
        path: 'votes',
        type: 'group',
        showIf: isDecision,
        fields: [
          { path: 'in_favour', type: 'integer', required: true },
          { path: 'against', type: 'integer' },
          { path: 'abstaining', type: 'integer' },
        ],
      },
    ],
  },
  record_reading: {
    fields: [
      { path: 'reading_id', type: 'id' },
      ...agreementAndVersion,
      {
        path: 'reading',
        type: 'group',
        required: true,
        fields: [
          choice('topic', 'ReadingTopic', { required: true, labelKey: 'forms.field.reading_topic' }),
          reason('says', { required: true }),
          { path: 'groups', type: 'enums', values: ENUMS.Group, max: LIST_LEN_MAX, labelKey: 'forms.field.reading_groups' },
          quantity('people'),
        ],
      },
      source('source'),
    ],
  },
  record_observation: {
    fields: [
      { path: 'observation_id', type: 'id' },
      {
        path: 'observation',
        type: 'group',
        required: true,
        fields: [
          choice('observed', 'ObservedKind', { required: true }),
          choice('perception', 'Perception', { required: true }),
          quantity('count', { required: true, labelKey: 'forms.field.how_many' }),
          choice('weapon', 'Weapon'),
          period('when'),
          { path: 'observer', type: 'group', required: true, fields: LOCATION_FIELDS },
          { path: 'bearing_deg', type: 'number', min: 0, max: 360, exclusiveMax: true },
          {
            path: 'distance',
            type: 'group',
            check: 'range',
            rangeKeys: ['min_m', 'max_m'],
            fields: [
              { path: 'min_m', type: 'number', min: 0, max: OBSERVED_DISTANCE_M_MAX, required: true },
              { path: 'max_m', type: 'number', min: 0, max: OBSERVED_DISTANCE_M_MAX, required: true },
            ],
          },
          source('source'),
        ],
      },
      reason('note'),
    ],
  },
};

for (const [command, spec] of Object.entries(SPECS)) {
  spec.command = command;
  if (spec.act) spec.fields = [...spec.fields, ...ACT_FIELDS];
}
