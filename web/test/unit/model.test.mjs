// The forms' own checks and the bodies they build, with no server.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { buildBody, composite, parseComposite } from '../../src/forms/model.js';
import { compositeOf } from '../../src/forms/refs.js';
import { SPECS } from '../../src/forms/specs.js';
import { isUuidV7 } from '../../src/sign/uuid7.js';

const typed = (minutes = 0) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);

test('the form refuses what the server would, before sending', () => {
  const { errors } = buildBody(SPECS.report_incident, {
    kind: 'shelling',
    location: { position: ['200', '36'], uncertainty_m: '500000' },
    when: { start: typed(-10), end: typed(-20) },
    description: 'x'.repeat(4001),
    source: { organisation: '', kind: 'media' },
  });
  assert.deepEqual(
    errors.map((error) => `${error.path} ${error.key}`).sort(),
    [
      'description forms.error.too_long',
      'location.position forms.error.coordinate',
      'location.uncertainty_m forms.error.out_of_range',
      'source.organisation forms.error.required',
      'when.end forms.error.end_before_start',
    ],
  );
});

test('ids are made once per form and kept across retries; given ids are kept', () => {
  const raw = {
    kind: 'shelling',
    location: { position: ['37.18', '36.2'], uncertainty_m: '10' },
    when: { start: typed(-1) },
    description: 'x',
    source: { organisation: 'UN', kind: 'media' },
  };
  const ids = new Map();
  const first = buildBody(SPECS.report_incident, raw, { ids }).body;
  const again = buildBody(SPECS.report_incident, raw, { ids }).body;
  assert.ok(isUuidV7(first.incident_id) && isUuidV7(first.source.source_id));
  assert.equal(again.incident_id, first.incident_id);
  assert.equal(again.source.source_id, first.source.source_id);
  const kept = '01890a5d-ac96-774b-bcce-b302099a8057';
  assert.equal(buildBody(SPECS.report_incident, { ...raw, incident_id: kept }).body.incident_id, kept);
});

test('typed values become the wire forms: UTC times, numbers, quantities, geometry', () => {
  const { body, errors } = buildBody(SPECS.estimate_population, {
    zone_id: '01890a5d-ac96-774b-bcce-b302099a8057',
    kind: 'trapped',
    people: { mode: 'range', min: '90000', max: '100000' },
    breakdown: { children: { mode: 'about', value: '30000' }, wounded: { mode: 'exact', value: '' } },
    as_of: '2016-12-12T09:30',
    source: { organisation: 'UN', kind: 'media' },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(body.people, { range: { min: 90000, max: 100000 } });
  assert.deepEqual(body.breakdown, { children: { about: 30000 } });
  assert.equal(body.as_of, '2016-12-12T09:30:00Z');
  assert.equal(body.destination, undefined, 'an optional group left blank is absent');
  const zone = buildBody(SPECS.propose_agreement, {
    title: 'T',
    _provenance: 'attested',
    terms: {
      signatories: ['01890a5d-ac96-774b-bcce-b302099a8057'],
      corridors: [
        {
          code: 'A',
          name: 'A',
          route: [
            [1, 2],
            [1.1, 2.1],
          ],
          half_width_m: '100',
          origin_zone_id: '01890a5d-ac96-774b-bcce-b302099a8057',
          destination: { name: 'B' },
        },
      ],
    },
  });
  assert.deepEqual(zone.errors, []);
  const corridor = zone.body.terms.corridors[0];
  assert.deepEqual(corridor.route, { type: 'LineString', coordinates: [[1, 2], [1.1, 2.1]] });
  assert.deepEqual([corridor.groups, corridor.windows], [[], []], 'required lists are sent empty');
  assert.equal(zone.body.effective_at, undefined, 'an attested act has no effective_at');
  assert.equal(zone.body.terms.truce, undefined);
});

test('a reported act needs its time, its party and a source', () => {
  const { errors } = buildBody(SPECS.endorse, {
    agreement_id: '01890a5d-ac96-774b-bcce-b302099a8057',
    version: '1',
    _provenance: 'reported',
    reported: { sources: [{}] },
  });
  assert.deepEqual(
    errors.map((error) => error.path).sort(),
    ['effective_at', 'reported.party_id', 'reported.sources[0].kind', 'reported.sources[0].organisation'],
  );
});

test('a route of one point is refused before sending', () => {
  const ring = buildBody(SPECS.notify_humanitarian, {
    notified: { kind: 'movement', route: [[1, 2]], half_width_m: '10', window: { start: typed(1), end: typed(60) }, vehicles: '3' },
    party_ids: ['01890a5d-ac96-774b-bcce-b302099a8057'],
    deadline: typed(30),
  });
  assert.deepEqual(ring.errors.map((error) => `${error.path} ${error.key}`), ['notified.route forms.error.line_short']);
});

const A = '01890a5d-ac96-774b-bcce-b302099a8057';
const B = '01890a5d-ac96-774b-bcce-b302099a8058';

test('a record named by several fields is one choice whose fields go beside one another', () => {
  // The same record has the same id whatever order its fields come in.
  assert.equal(composite({ incident_id: A, commitment_id: B }), composite({ commitment_id: B, incident_id: A }));
  assert.equal(composite({ incident_id: A }, ['incident_id', 'commitment_id']), null);
  assert.deepEqual(parseComposite(composite({ agreement_id: A, version: 2 })), { agreement_id: A, version: 2 });
  // A prefill in the wire's shape finds its option.
  assert.equal(compositeOf('violations', { incident_id: A, notification_id: B }), composite({ incident_id: A, notification_id: B }));
  assert.equal(compositeOf('versions', { agreement_id: A }), undefined);

  const { body, errors } = buildBody(SPECS.dismiss_violation, { _violation: composite({ incident_id: A, commitment_id: B }), reason: 'r' });
  assert.deepEqual(errors, []);
  assert.deepEqual(body, { type: 'dismiss_violation', incident_id: A, commitment_id: B, reason: 'r' });
  const statement = buildBody(SPECS.make_statement, {
    text: 't',
    _provenance: 'attested',
    about: [{ stance: 'mentions', record: { record: 'version', _version: composite({ agreement_id: A, version: 3 }) } }],
  });
  assert.deepEqual(statement.errors, []);
  assert.deepEqual(statement.body.about, [{ stance: 'mentions', record: { record: 'version', agreement_id: A, version: 3 } }]);
  // Only the fields of the kind chosen are sent; an accusation needs its force.
  const accusation = buildBody(SPECS.make_statement, {
    text: 't',
    _provenance: 'attested',
    about: [{ stance: 'accuses', record: { record: 'convoy', incident_id: A } }],
  });
  assert.deepEqual(accusation.errors.map((error) => error.path).sort(), ['about[0].force_id', 'about[0].record.convoy_id']);
});

test('a retraction sends the entry as a number; bearings, distances and recipients are checked as the server does', () => {
  assert.deepEqual(buildBody(SPECS.retract, { seq: '41', reason: 'r' }).body, { type: 'retract', seq: 41, reason: 'r' });
  const observation = (extra) =>
    buildBody(SPECS.record_observation, {
      observation: {
        observed: 'explosion',
        perception: 'heard',
        count: { mode: 'exact', value: '3' },
        when: { start: typed(-10) },
        observer: { position: ['37', '36'], uncertainty_m: '10' },
        source: { organisation: 'UN', kind: 'monitor_on_site' },
        ...extra,
      },
    });
  assert.deepEqual(observation({ bearing_deg: '359.9' }).errors, []);
  assert.deepEqual(observation({}).body.observation.distance, undefined, 'no distance given, none sent');
  assert.deepEqual(
    observation({ bearing_deg: '360', distance: { min_m: '5000', max_m: '3000' } }).errors.map((error) => `${error.path} ${error.key}`),
    ['observation.bearing_deg forms.error.out_of_range', 'observation.distance.max_m forms.error.range_inverted'],
  );
  const session = { account_id: A, party_id: null, roles: ['monitor'] };
  const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
  assert.deepEqual(buildBody(SPECS.set_encryption_key, { encryption_key: recipient }, { session }).body, {
    type: 'set_encryption_key',
    account_id: A,
    encryption_key: recipient,
  });
  assert.deepEqual(
    buildBody(SPECS.set_encryption_key, { encryption_key: recipient.toUpperCase() }, { session }).errors.map((error) => error.key),
    ['forms.error.age_recipient'],
  );
  assert.deepEqual(buildBody(SPECS.set_encryption_key, { encryption_key: recipient }).errors.map((error) => error.key), ['forms.error.signed_out']);
  // The code's hash and expiry are left to the form's prepare step, never typed.
  assert.deepEqual(buildBody(SPECS.create_enrolment, { account_id: A, _expires_in: 'day' }).body, { type: 'create_enrolment', account_id: A });
});

test('times are read to the second, in UTC', () => {
  const { body } = buildBody(SPECS.record_zone_control, { zone_id: A, force_id: B, since: '2016-12-13T08:45:30' });
  assert.equal(body.since, '2016-12-13T08:45:30Z');
});
