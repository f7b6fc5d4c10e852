// Against a real server set up from scratch with the CLI: each account enrols a key made by
// the signing module (as the page makes it), then every form's command is built from sample
// input as a person would type it (`buildBody`), signed by the signing module, posted and
// accepted (201); refusals come back with the field their problem names, which the form
// finds among its fields; the offline outbox sends a report once, with its original time.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { enrolKey } from '../../src/sign/enrol.js';
import { generateKey, loadKey, useKeyStore } from '../../src/sign/keys.js';
import { uuidv7 } from '../../src/sign/uuid7.js';
import { prepareEnrolment } from '../../src/forms/accounts.js';
import { memoryStore } from '../../src/sign/idb.js';
import { submitCommand } from '../../src/sign/submit.js';
import { buildBody, composite } from '../../src/forms/model.js';
import { entryOf, loadRefs } from '../../src/forms/refs.js';
import { fieldOfProblem } from '../../src/forms/problems.js';
import { SPECS } from '../../src/forms/specs.js';
import { enqueue, flushOutbox, pending, useOutboxStore } from '../../src/offline/outbox.js';
import { startWorld } from './world.mjs';

let world;
let transport;

before(async () => {
  useKeyStore(memoryStore('account_id'));
  useOutboxStore(memoryStore('outbox_id'));
  world = await startWorld();
  transport = { base: world.base };
});

after(async () => {
  await world?.stop();
});

/** `datetime-local` text (UTC) of now plus `minutes`. */
const typed = (minutes = 0) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);

async function session(handle) {
  return world.session(handle);
}

/** The commands sent so far: every form must be among them. */
const testedCommands = new Set();

/** Builds `command` from `raw` as the form would, signs it as `handle` and posts it. */
async function send(handle, command, raw, options = {}) {
  testedCommands.add(command);
  const { body, errors } = buildBody(SPECS[command], raw, options);
  assert.deepEqual(errors, [], `${command}: the sample input passes the form's own checks`);
  const who = await session(handle);
  const key = await loadKey(who.account_id);
  assert.ok(key, `${handle} has an enrolled key`);
  const reply = await submitCommand({ key, author: who.account_id, party: who.party_id, body }, transport);
  return { reply, body };
}

async function accepted(handle, command, raw, options) {
  const { reply, body } = await send(handle, command, raw, options);
  assert.equal(reply.status, 201, `${command} by ${handle}: ${JSON.stringify(reply.body)}`);
  return { receipt: reply.body, body };
}

async function list(path) {
  const response = await fetch(`${world.base}${path}`);
  assert.equal(response.status, 200, path);
  return (await response.json()).items;
}

const source = (organisation, kind = 'media') => ({ organisation, kind, reference: `${organisation} report` });

test('a key made by the signing module enrols with a code, once', async () => {
  for (const handle of ['ru', 'us', 'un', 'cell']) {
    const code = world.enrolment(handle);
    const reply = await enrolKey(await session(handle), code, transport);
    assert.equal(reply.status, 201, `${handle}: ${JSON.stringify(reply.body)}`);
    const again = await enrolKey(await session(handle), code, transport);
    assert.equal(again.status, 403);
    assert.equal(again.body.type, '/problems/enrolment-refused');
  }
});

test('a signature over anything but the command as sent is refused', async () => {
  const who = await session('un');
  const key = await loadKey(who.account_id);
  const tampering = {
    base: world.base,
    fetch: (url, init) => {
      if (!String(url).endsWith('/api/v1/commands')) return fetch(url, init);
      const signed = JSON.parse(init.body);
      signed.command.body.code = 'X';
      return fetch(url, { ...init, body: JSON.stringify(signed) });
    },
  };
  const reply = await submitCommand(
    { key, author: who.account_id, party: who.party_id, body: { type: 'acknowledge_alert', alert_id: '1-0' } },
    tampering,
  );
  assert.equal(reply.status, 401);
  assert.equal(reply.body.type, '/problems/bad-signature');
});

let reportedEndorsement;
let attestedEndorsement;

test('every form builds a command the server accepts', async () => {
  const { parties, zones, forces } = world.ids;
  const route = [
    [37.16, 36.2],
    [37.2, 36.21],
    [37.25, 36.22],
  ];
  const terms = (corridorId, commitmentId, code = 'EA-1') => ({
    corridors: [
      {
        corridor_id: corridorId,
        code,
        name: 'East Aleppo to the west',
        route,
        half_width_m: '250',
        origin_zone_id: zones.EA,
        destination: { name: 'Western Aleppo' },
        groups: ['civilians', 'wounded'],
        windows: [{ start: typed(60), end: typed(180), groups: ['wounded'] }],
      },
    ],
    commitments: [
      {
        commitment_id: commitmentId,
        party_id: parties.RU,
        kind: 'no_attack',
        _scope: 'zone',
        scope: { zone: zones.EA },
        force_ids: [forces.SAA],
        text: 'The Syrian armed forces will not attack East Aleppo',
      },
    ],
    signatories: [parties.RU, parties.US],
  });

  const proposal = await accepted('ru', 'propose_agreement', {
    title: 'Evacuation of East Aleppo',
    terms: terms(),
    _provenance: 'attested',
  });
  const agreementId = proposal.body.agreement_id;
  const corridorId = proposal.body.terms.corridors[0].corridor_id;
  const commitmentId = proposal.body.terms.commitments[0].commitment_id;
  const pick = async (kind, wanted) => {
    const options = await loadRefs(kind, transport, await session('un'));
    const found = options.find((option) => wanted(option));
    assert.ok(found, `${kind} lists the record: ${JSON.stringify(options.map((option) => option.id))}`);
    return found.id;
  };
  const stance = (extra = {}) => ({ agreement_id: agreementId, version: '1', _provenance: 'attested', ...extra });
  await accepted('us', 'endorse', stance());
  await accepted('us', 'withdraw', stance({ reason: 'we want an immediate truce' }));
  await accepted('ru', 'propose_version', {
    agreement_id: agreementId,
    supersedes: '1',
    terms: terms(corridorId, commitmentId),
    note: 'the same corridor, carried over',
    _provenance: 'attested',
  });
  await accepted('us', 'reject', stance({ version: '2', reason: 'no truce without coordination' }));
  // A reported act: the UN records Russia's endorsement from a source, with its time.
  reportedEndorsement = await accepted('un', 'endorse', {
    agreement_id: agreementId,
    version: '2',
    _provenance: 'reported',
    // After the version was proposed (a stance on it cannot be older), to the second.
    effective_at: new Date().toISOString(),
    reported: { party_id: parties.RU, sources: [source('EFE')] },
  });
  attestedEndorsement = await accepted('us', 'endorse', stance({ version: '2' }));
  await accepted('ru', 'record_consent', { force_id: forces.SAA, corridor_id: corridorId, _provenance: 'attested' });

  const incident = await accepted('un', 'report_incident', {
    kind: 'shelling',
    location: { position: ['37.18', '36.2'], uncertainty_m: '300', precision: 'near', zone_id: zones.EA },
    // Now, to the second: after the agreement became binding (valid time decides).
    when: { start: new Date().toISOString(), precision: 'day' },
    description: 'Shelling of al-Sukkari',
    source: { ...source('UN team', 'monitor_on_site'), casualties: { killed: { min: '3', max: '5' } } },
  });
  const incidentId = incident.body.incident_id;
  await accepted('cell', 'add_source', { incident_id: incidentId, source: source('SOHR') });
  await accepted('cell', 'grade_incident', { incident_id: incidentId, grade: 'verified', reason: 'two independent sources' });
  const copy = await accepted('cell', 'report_incident', {
    kind: 'shelling',
    location: { position: ['37.181', '36.201'], uncertainty_m: '1000' },
    when: { start: typed(-21) },
    description: 'Shelling reported again',
    source: source('Reuters'),
  });
  await accepted('cell', 'mark_duplicate', {
    incident_id: copy.body.incident_id,
    duplicate_of: incidentId,
    reason: 'the same shelling',
  });
  const retractable = await loadRefs('entries', transport, await session('cell'));
  assert.ok(retractable.some((option) => option.id === String(copy.receipt.seq)), 'the copy is among what the analyst may retract');
  // A reported act may be retracted; an attested one may not (it is the party's own word).
  const offered = new Set(retractable.map((option) => option.id));
  assert.ok(offered.has(String(reportedEndorsement.receipt.seq)), 'a reported endorsement is offered');
  assert.ok(!offered.has(String(attestedEndorsement.receipt.seq)), 'an attested endorsement is not');
  // Opened from the record's view, which names it by its id: its entry is found.
  assert.equal(entryOf(retractable, { incident_id: copy.body.incident_id }), String(copy.receipt.seq));
  assert.equal(entryOf(retractable, { incident_id: '01890a5d-ac96-774b-bcce-b302099a8057' }), null);
  const retraction = await accepted('cell', 'retract', { seq: String(copy.receipt.seq), reason: 'entered twice' });
  assert.equal(retraction.body.seq, copy.receipt.seq, 'the seq is sent as a number');
  const after = await loadRefs('entries', transport, await session('cell'));
  assert.ok(!after.some((option) => option.id === String(copy.receipt.seq)), 'a retracted entry is offered no more');

  await accepted('un', 'correct_incident', {
    incident_id: incidentId,
    kind: 'shelling',
    location: { position: ['37.182', '36.202'], uncertainty_m: '2000', precision: 'region' },
    reason: 'the source corrected itself',
  });
  const area = [
    ['37.15', '36.18'],
    ['37.17', '36.18'],
    ['37.17', '36.2'],
  ];
  const zone = await accepted('un', 'define_zone', { code: 'SK', name: 'al-Sukkari', kind: 'neighbourhood', boundary: [area] });
  await accepted('un', 'redraw_zone', { zone_id: zone.body.zone_id, boundary: [[...area, ['37.15', '36.2']]], effective_at: typed(-5) });
  await accepted('un', 'record_zone_control', { zone_id: zone.body.zone_id, force_id: forces.SAA, since: typed(-5) });
  const convoy = await accepted('un', 'schedule_convoy', { corridor_id: corridorId, buses: '20', ambulances: '5', departs_at: typed(90) });
  await accepted('un', 'update_convoy', { convoy_id: convoy.body.convoy_id, status: 'moving', note: 'left on time' });

  const count = (people, basis) => ({ people, basis, period: { start: typed(-60), end: typed(-10) }, source: source('ICRC') });
  const passage = await accepted('un', 'record_passage', {
    corridor_id: corridorId,
    direction: 'outbound',
    vehicles: '4',
    count: { ...count({ mode: 'exact', value: '120' }, 'increment'), breakdown: { wounded: { mode: 'about', value: '30' } } },
  });
  const total = await accepted('un', 'report_total', {
    scope: { corridor_id: corridorId },
    count: count({ mode: 'range', min: '4000', max: '5000' }, 'cumulative'),
  });
  const estimate = await accepted('un', 'estimate_population', {
    zone_id: zones.EA,
    kind: 'trapped',
    people: { mode: 'about', value: '100000' },
    as_of: typed(-60),
    source: source('UN OCHA'),
  });

  const notice = await accepted('un', 'notify_humanitarian', {
    notified: { kind: 'site', name: 'Field hospital', site_kind: 'hospital', position: ['37.19', '36.21'], radius_m: '100' },
    party_ids: [parties.RU],
    deadline: typed(120),
    personnel: '12',
  });
  const notificationId = notice.body.notification_id;
  await accepted('ru', 'acknowledge_notification', { notification_id: notificationId });
  await accepted('un', 'withdraw_notification', { notification_id: notificationId, reason: 'the hospital moved' });

  await accepted('ru', 'suspend', { agreement_id: agreementId, reason: 'shelling', _provenance: 'attested' });
  await accepted('ru', 'resume', { agreement_id: agreementId, _provenance: 'attested' });
  await accepted('ru', 'report_fulfilled', { commitment_id: commitmentId, note: 'no attack recorded', _provenance: 'attested' });

  const alerts = await list('/api/v1/alerts');
  assert.ok(alerts.length > 0, 'the acts above raised alerts');
  await accepted('cell', 'acknowledge_alert', { alert_id: alerts[0].alert_id });

  const violations = await list('/api/v1/violations');
  const violation = violations.find((row) => row.incident_id === incidentId);
  assert.ok(violation, `the shelling in East Aleppo violates Russia's no_attack: ${JSON.stringify(violations)}`);

  // What sources say the deal says, and what a mission counted.
  await accepted('un', 'record_reading', {
    agreement_id: agreementId,
    version: '2',
    reading: { topic: 'who_may_leave', says: 'Fighters and their families only', groups: ['fighters'], people: { mode: 'about', value: '5000' } },
    source: { ...source('Reuters'), published_at: typed(-30) },
  });
  const observation = await accepted('un', 'record_observation', {
    observation: {
      observed: 'explosion',
      perception: 'heard',
      count: { mode: 'exact', value: '12' },
      weapon: 'undetermined',
      when: { start: typed(-50), end: typed(-20) },
      observer: { position: ['37.17', '36.19'], uncertainty_m: '50', zone_id: zones.EA },
      bearing_deg: '135',
      distance: { min_m: '3000', max_m: '5000' },
      source: { ...source('UN team', 'monitor_on_site'), published_at: typed(-15) },
    },
    note: 'heard from the team house',
  });

  // A statement about a record of every kind, each chosen from the lists the form offers.
  const agreementsNow = await list('/api/v1/agreements');
  const act = agreementsNow.find((row) => row.agreement_id === agreementId).acts[0];
  const about = [
    { stance: 'confirms', record: { record: 'incident', incident_id: incidentId } },
    { stance: 'accuses', force_id: forces.SAA, record: { record: 'violation', _violation: composite({ incident_id: incidentId, commitment_id: violation.commitment_id }) } },
    { stance: 'denies', record: { record: 'convoy', convoy_id: convoy.body.convoy_id } },
    { stance: 'mentions', record: { record: 'version', _version: await pick('versions', (option) => option.row.agreement_id === agreementId && option.row.version === 2) } },
    { stance: 'confirms', record: { record: 'act', _act: await pick('acts', (option) => option.row.seq === act.seq) } },
    { stance: 'denies', record: { record: 'passage', passage_id: passage.body.passage_id } },
    { stance: 'mentions', record: { record: 'total', total_id: await pick('totals', (option) => option.id === total.body.total_id) } },
    { stance: 'mentions', record: { record: 'estimate', estimate_id: await pick('estimates', (option) => option.id === estimate.body.estimate_id) } },
    { stance: 'confirms', record: { record: 'observation', observation_id: observation.body.observation_id } },
  ];
  const statement = await accepted('ru', 'make_statement', {
    kind: 'statement',
    text: 'No convoy left East Aleppo today',
    about,
    _provenance: 'attested',
  });
  assert.deepEqual(
    statement.body.about.map((item) => Object.keys(item.record).sort().join(',')),
    [
      'incident_id,record', 'commitment_id,incident_id,record', 'convoy_id,record', 'agreement_id,record,version',
      'agreement_id,record,seq', 'passage_id,record', 'record,total_id', 'estimate_id,record', 'observation_id,record',
    ],
    'every record typed as the server wants it',
  );
  assert.equal(statement.body.about[3].record.version, 2);
  // A resolution of an outside body, reported by the monitor with its vote.
  await accepted('un', 'make_statement', {
    kind: 'resolution',
    text: 'Demands safe passage for the convoys',
    document: 'S/RES/2328 (2016)',
    votes: { in_favour: '15', against: '0' },
    about: [{ stance: 'mentions', record: { record: 'version', agreement_id: agreementId, version: 2, _version: composite({ agreement_id: agreementId, version: 2 }) } }],
    _provenance: 'reported',
    effective_at: typed(-2),
    reported: { party_id: parties.US, sources: [source('UN News')] },
  });

  const dismissed = await accepted('cell', 'dismiss_violation', {
    _violation: await pick('violations', (option) => option.row.incident_id === incidentId && option.row.commitment_id === violation.commitment_id),
    reason: 'the shelling came from outside the forces bound',
  });
  assert.deepEqual([dismissed.body.incident_id, dismissed.body.commitment_id], [incidentId, violation.commitment_id]);

  await accepted('us', 'declare_completed', { agreement_id: agreementId, note: 'evacuation done', _provenance: 'attested' });
  const second = await accepted('ru', 'propose_agreement', {
    title: 'Second truce',
    terms: terms(undefined, undefined, 'EA-2'),
    _provenance: 'attested',
  });
  await accepted('us', 'endorse', { agreement_id: second.body.agreement_id, version: '1', _provenance: 'attested' });
  await accepted('ru', 'endorse', { agreement_id: second.body.agreement_id, version: '1', _provenance: 'attested' });
  await accepted('us', 'declare_broken', { agreement_id: second.body.agreement_id, reason: 'fired on', _provenance: 'attested' });

});

test('a refusal names the field the form shows it at', async () => {
  const paths = (command, raw) => {
    // The full paths of the fields a form shows for `raw`: every leaf path in it.
    const out = [];
    const walk = (value, prefix) => {
      if (Array.isArray(value) && !value.every((item) => typeof item !== 'object')) {
        value.forEach((item, idx) => walk(item, `${prefix}[${idx}]`));
      } else if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [key, inner] of Object.entries(value)) walk(inner, prefix ? `${prefix}.${key}` : key);
      } else out.push(prefix);
    };
    walk(raw, '');
    return out;
  };
  // A zone that does not exist: refused by the domain, at `location.zone_id`.
  const raw = {
    kind: 'gunfire',
    location: { position: ['37.18', '36.2'], uncertainty_m: '100', zone_id: '01890a5d-ac96-774b-bcce-b302099a8057' },
    when: { start: typed(-5) },
    description: 'Gunfire',
    source: source('Witness', 'witness'),
  };
  const { reply } = await send('un', 'report_incident', raw);
  assert.equal(reply.status, 422);
  assert.equal(reply.body.type, '/problems/unknown-reference');
  assert.equal(fieldOfProblem(reply.body, paths('report_incident', raw)), 'location.zone_id');

  // A time in the future the form's clock let through: refused at `when.start`.
  const ahead = { ...raw, location: { ...raw.location, zone_id: undefined }, when: { start: typed(24 * 60) } };
  const late = await send('un', 'report_incident', ahead, { now: Date.now() + 2 * 24 * 3600_000 });
  assert.equal(late.reply.status, 422);
  assert.equal(late.reply.body.type, '/problems/valid-time-in-future');
  assert.equal(fieldOfProblem(late.reply.body, paths('report_incident', ahead)), 'when.start');

  // A statement about a convoy the log does not have: at the convoy's choice.
  const aboutNothing = {
    text: 'No convoy left',
    _provenance: 'attested',
    about: [
      { stance: 'mentions', record: { record: 'incident', incident_id: (await list('/api/v1/incidents'))[0].incident_id } },
      { stance: 'denies', record: { record: 'convoy', convoy_id: '01890a5d-ac96-774b-bcce-b302099a8057' } },
    ],
  };
  const { reply: statement } = await send('un', 'make_statement', aboutNothing);
  assert.equal(statement.status, 422, JSON.stringify(statement.body));
  assert.equal(statement.body.field, 'about[].record.convoy_id');
  // The server names no index; the only item naming a convoy is the second.
  assert.equal(fieldOfProblem(statement.body, paths('make_statement', aboutNothing)), 'about[1].record.convoy_id');

  // A stance of a party that is no signatory.
  const agreements = await list('/api/v1/agreements');
  const { reply: stance } = await send('un', 'endorse', {
    agreement_id: agreements[0].agreement_id,
    version: '1',
    _provenance: 'reported',
    effective_at: typed(-1),
    reported: { party_id: world.ids.parties.CELL, sources: [source('AFP')] },
  });
  assert.equal(stance.status, 422, JSON.stringify(stance.body));
});

test('a report kept offline arrives once, signed at send time, with its original time', async () => {
  const who = await session('un');
  const writtenAt = typed(-45);
  const { body } = buildBody(SPECS.report_incident, {
    kind: 'obstruction',
    location: { position: ['37.17', '36.19'], uncertainty_m: '50' },
    when: { start: writtenAt },
    description: 'Checkpoint closed the corridor',
    source: source('UN team', 'monitor_on_site'),
  });
  // Two tabs kept the same report (or a reply was lost): the same ids, sent twice.
  await enqueue({ command: 'report_incident', body, session: who });
  await enqueue({ command: 'report_incident', body, session: who });
  assert.equal((await pending()).length, 2);

  // Still offline: nothing leaves, nothing is lost.
  const offline = await flushOutbox({}, { base: world.base, fetch: () => Promise.reject(new TypeError('offline')) });
  assert.deepEqual([offline.sent.length, offline.left], [0, 2]);

  const online = await flushOutbox({}, transport);
  assert.equal(online.left, 0, JSON.stringify(online.refused));
  assert.deepEqual(online.sent.map((sent) => sent.duplicate), [false, true]);
  const incidents = await list('/api/v1/incidents');
  const arrived = incidents.filter((row) => row.incident_id === body.incident_id);
  assert.equal(arrived.length, 1, 'one record');
  assert.equal(Date.parse(arrived[0].when.start), Date.parse(`${writtenAt}Z`), 'its original time');
  const entry = online.sent[0].receipt;
  assert.ok(Date.parse(entry.accepted_at) - Date.parse(`${writtenAt}Z`) > 40 * 60_000, 'recorded later than it happened');
});

/** The schema at `schema`, its `$ref` followed. */
function resolve(schemas, schema) {
  if (schema?.$ref) return { ...schemas[schema.$ref.split('/').pop()], ...schema, $ref: undefined };
  return schema ?? {};
}

/** Every schema a value of `schema` may take: the branches of oneOf and anyOf, flattened. */
function branches(schemas, schema) {
  const resolved = resolve(schemas, schema);
  const parts = [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? []), ...(resolved.allOf ?? [])];
  if (parts.length === 0) return [resolved];
  return [resolved, ...parts.flatMap((part) => branches(schemas, part))];
}

/** The schemas reached from `schema` by one property or array step. */
function step(schemas, schema, name) {
  const found = [];
  for (const branch of branches(schemas, schema)) {
    if (branch.properties?.[name]) found.push(branch.properties[name]);
  }
  return found;
}

function reach(schemas, roots, path) {
  let at = roots;
  for (const name of path.split('.')) {
    at = at.flatMap((schema) => step(schemas, schema, name));
  }
  return at;
}

function enumValues(schemas, schema) {
  const values = new Set();
  for (const branch of branches(schemas, schema)) {
    for (const value of branch.enum ?? []) if (value !== null) values.add(value);
    if (typeof branch.const === 'string') values.add(branch.const);
  }
  return values;
}

test('every field of every form is a field of its command in the server OpenAPI document', async () => {
  const openapi = await (await fetch(`${world.base}/api/v1/openapi.json`)).json();
  const schemas = openapi.components.schemas;
  const variants = branches(schemas, schemas.CommandBody);
  const checked = [];
  for (const [command, spec] of Object.entries(SPECS)) {
    const variant = variants.find((branch) => branch.properties?.type?.const === command);
    assert.ok(variant, `${command} is a command`);
    const walk = (fields, roots, prefix) => {
      const sent = fields.filter((field) => !field.local && !field.spread);
      // A choice sent as several fields: each of them is a field of the command.
      for (const field of fields.filter((one) => one.spread)) {
        for (const key of field.keys) assert.ok(reach(schemas, roots, key).length > 0, `${command} ${prefix}${key} (${field.path}) is in the schema`);
      }
      for (const field of sent) {
        const at = reach(schemas, roots, field.path);
        const where = `${command} ${prefix}${field.path}`;
        assert.ok(at.length > 0, `${where} is in the schema`);
        if (field.type === 'enum' || field.type === 'enums') {
          const values = new Set(at.flatMap((schema) => [...enumValues(schemas, field.type === 'enums' ? resolve(schemas, schema).items ?? schema : schema)]));
          assert.deepEqual([...values].sort(), [...field.values].sort(), `${where}: the same choices`);
        }
        if (field.type === 'group') walk(field.fields, at, `${prefix}${field.path}.`);
        if (field.type === 'list') walk(field.fields, at.map((schema) => resolve(schemas, schema).items ?? schema), `${prefix}${field.path}[].`);
        checked.push(where);
      }
      // What the schema requires, the form asks for (or makes).
      for (const root of roots) {
        for (const branch of branches(schemas, root)) {
          for (const name of branch.required ?? []) {
            if (name === 'type' || name === 'kind' && prefix.endsWith('start.')) continue;
            const covered = fields.some((field) => field.path === name || field.path.startsWith(`${name}.`) || (field.spread && field.keys.includes(name)));
            if (branch.properties?.[name] && !covered && fields.length > 0 && sent.some((field) => branch.properties[field.path.split('.')[0]])) {
              assert.fail(`${command} ${prefix}${name} is required by the server and not in the form`);
            }
          }
        }
      }
    };
    walk(spec.fields, [variant], '');
  }
  assert.ok(checked.length > 200, `${checked.length} fields checked`);
});

test('a coordinator opens an enrolment for a new device, revokes a key, and sets an encryption key', async () => {
  const coordinator = await session('ru');
  // A second account of the party, registered by its coordinator (the party manages its own).
  const accountId = uuidv7();
  const first = await generateKey();
  world.submit('ru', {
    type: 'register_account', account_id: accountId, party_id: coordinator.party_id, name: 'RU field phone',
    roles: ['monitor'], public_key: first.publicKey,
  });

  // The form's body, completed on this device with a code only its opener sees.
  const accounts = await (await fetch(`${world.base}/api/v1/accounts`)).json();
  assert.equal(accounts.status, 401, 'accounts are listed only to who is signed in');
  const made = {};
  const { body, errors } = buildBody(SPECS.create_enrolment, { account_id: accountId, _expires_in: 'hour' });
  assert.deepEqual(errors, []);
  const reveal = await prepareEnrolment(body, { _expires_in: 'hour' }, made, Date.now());
  assert.match(reveal.code, /^[0-9a-f]{32}$/);
  assert.equal(body.code_sha256.length, 64);
  assert.ok(!JSON.stringify(body).includes(reveal.code), 'the code itself is never sent');
  const key = await loadKey(coordinator.account_id);
  testedCommands.add('create_enrolment');
  const opened = await submitCommand({ key, author: coordinator.account_id, party: coordinator.party_id, body }, transport);
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  assert.ok(Date.parse(body.expires_at) - Date.now() <= 3_600_000, 'open for the hour chosen');

  // The new device enrols with the code, once.
  const phone = { account_id: accountId, party_id: coordinator.party_id, roles: ['monitor'] };
  const enrolled = await enrolKey(phone, reveal.code, transport);
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  const phoneKey = await loadKey(accountId);

  // Its coordinator revokes the key the phone enrolled (a lost phone): the phone is refused.
  await accepted('ru', 'revoke_key', { account_id: accountId, public_key: phoneKey.publicKey, reason: 'phone lost' });
  const refused = await submitCommand(
    { key: phoneKey, author: accountId, party: coordinator.party_id, body: { type: 'retract', seq: 1, reason: 'from a lost phone' } },
    transport,
  );
  assert.equal(refused.body.type, '/problems/key-revoked', JSON.stringify(refused.body));

  // Its own encryption key, pasted: the account is the session's, never chosen.
  const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
  const bad = buildBody(SPECS.set_encryption_key, { encryption_key: 'age1notarecipient' }, { session: coordinator });
  assert.deepEqual(bad.errors.map((error) => [error.path, error.key]), [['encryption_key', 'forms.error.age_recipient']]);
  const { body: set } = await accepted('ru', 'set_encryption_key', { encryption_key: ` ${recipient} ` }, { session: coordinator });
  assert.deepEqual(set, { type: 'set_encryption_key', account_id: coordinator.account_id, encryption_key: recipient });
});

test('every form was sent by the tests above', () => {
  const untested = Object.keys(SPECS).filter((command) => !testedCommands.has(command));
  assert.deepEqual(untested, [], 'every form was sent');
});
