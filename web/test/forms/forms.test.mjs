// The forms in a real browser (Debian's Chromium driven by playwright-core; never a
// downloaded browser) against a real truce server, through a harness page that stands in for
// the shell (`harness/`): enrol a browser key, report an incident, propose an agreement with
// a corridor drawn on the map, see a refusal at its field, and write a report offline that
// arrives once, signed, with its original time, when the connection returns.
// Screenshots go to `target/screenshots/`. Needs `/usr/bin/chromium` (`apt-get install -y chromium`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CATALOGUES } from '../../src/forms/i18n.js';
import { enrolKey } from '../../src/sign/enrol.js';
import { memoryStore } from '../../src/sign/idb.js';
import { generateKey, loadKey, useKeyStore } from '../../src/sign/keys.js';
import { uuidv7 } from '../../src/sign/uuid7.js';
import { startWorld } from '../unit/world.mjs';
import { startHarness } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const SHOTS = fileURLToPath(new URL('../../../target/screenshots/', import.meta.url));
const PASSWORD = 'correct horse battery staple';

let world;
let harness;
let browser;
let context;
let page;
const consoleErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  world = await startWorld();
  for (const handle of ['ru', 'us', 'un', 'cell']) world.setPassword(handle, PASSWORD);
  harness = await startHarness(world.base);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  // A device set to Damascus time (UTC+3): times are typed in UTC all the same.
  context = await browser.newContext({ viewport: { width: 360, height: 780 }, timezoneId: 'Asia/Damascus' });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.goto(harness.base);
  await page.waitForFunction(() => window.harness !== undefined);
});

after(async () => {
  await browser?.close();
  await harness?.close();
  await world?.stop();
});

async function signIn(handle) {
  await page.evaluate(([accountId, password]) => window.harness.signIn(accountId, password), [world.accounts[handle].account_id, PASSWORD]);
}

async function enrol(handle) {
  await signIn(handle);
  await page.evaluate(() => {
    window.harness.keyResult = undefined;
    window.harness.ensureKey().then((key) => {
      window.harness.keyResult = key ? key.publicKey : null;
    });
  });
  await page.getByLabel('Enrolment code (32 characters)').fill(world.enrolment(handle));
  await page.getByRole('button', { name: 'Enrol', exact: true }).click();
  await page.waitForFunction(() => window.harness.keyResult !== undefined);
  return page.evaluate(() => window.harness.keyResult);
}

async function open(command, prefill) {
  await page.evaluate(([name, given]) => window.harness.open(name, given), [command, prefill ?? null]);
  await page.locator('#harness-form form.forms-form h2').waitFor();
}

async function lastResult(command) {
  await page.waitForFunction((name) => window.harness.results.some((result) => result.command === name), command);
  return page.evaluate((name) => window.harness.results.filter((result) => result.command === name).pop().result, command);
}

async function resetResults() {
  await page.evaluate(() => {
    window.harness.results.length = 0;
  });
}

/** Fills an incident report, finding its controls by their labels in `lang`. */
async function fillIncident(description, lang = 'en') {
  const words = CATALOGUES[lang];
  const form = page.locator('#harness-form form.forms-form');
  await form.getByLabel(words['forms.field.incident_kind']).selectOption('shelling');
  await form.getByRole('button', { name: words['forms.pick_on_map'] }).click();
  await form.getByLabel(words['forms.field.uncertainty_m']).fill('300');
  await form.getByLabel(words['forms.field.description']).fill(description);
  await form.getByRole('textbox', { name: words['forms.field.organisation'], exact: true }).fill('UN team');
  await form.getByLabel(words['forms.field.source_kind']).selectOption('monitor_on_site');
}

test('a browser key is enrolled, non-extractable, and kept on the device', async () => {
  const publicKey = await enrol('un');
  assert.match(publicKey, /^[A-Za-z0-9+/]{43}=$/);
  const extractable = await page.evaluate(
    (accountId) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('truce-keys', 1);
        request.onsuccess = () => {
          const get = request.result.transaction('keys').objectStore('keys').get(accountId);
          get.onsuccess = () => resolve(get.result.keyPair.privateKey.extractable);
          get.onerror = () => reject(get.error);
        };
        request.onerror = () => reject(request.error);
      }),
    world.accounts.un.account_id,
  );
  assert.equal(extractable, false);
});

test('a device that holds a key is not asked again, until the key is revoked', async () => {
  const held = await page.evaluate(() => window.harness.ensureKey().then((key) => key.publicKey));
  assert.equal(await page.locator('#harness-key form').count(), 0, 'no code asked for');
  world.revokeKey('un', held);
  const again = await enrol('un');
  assert.notEqual(again, held, 'a new key, enrolled with a new code');
});

/** The entry of the report made in the browser (retracted further down). */
let reportSeq;

test('an incident report is signed in the browser and accepted', async () => {
  await signIn('un');
  await resetResults();
  await open('report_incident');
  await fillIncident('Shelling near the corridor');
  await page.screenshot({ path: `${SHOTS}forms-report-incident-360.png`, fullPage: true });
  await page.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('report_incident');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  reportSeq = receipt.seq;
  await page.getByText(`Accepted: entry ${receipt.seq} of the log.`).waitFor();
  const incidents = (await (await fetch(`${world.base}/api/v1/incidents`)).json()).items;
  assert.ok(incidents.some((row) => JSON.stringify(row).includes('Shelling near the corridor')));
});

test('a proposal carries a corridor drawn on the map', async () => {
  await enrol('ru');
  await resetResults();
  await open('propose_agreement');
  const form = page.locator('#harness-form form.forms-form');
  await form.getByLabel('Title').fill('Corridors out of East Aleppo');
  await form.getByRole('button', { name: 'Add corridor' }).click();
  const corridor = form.locator('.forms-list-item').first();
  await corridor.getByLabel('Code').fill('EA-1');
  await corridor.getByRole('textbox', { name: 'Name', exact: true }).first().fill('To the west');
  await corridor.getByRole('button', { name: 'Draw the route on the map' }).click();
  await corridor.getByLabel('Leaves from (zone)').selectOption(world.ids.zones.EA);
  await corridor.locator('.forms-group').getByRole('textbox', { name: 'Name', exact: true }).fill('Western Aleppo');
  await corridor.getByLabel('Civilians').check();
  // A commitment about the corridor being drawn, and a truce that starts once it is kept:
  // both name records of this very proposal.
  await form.getByRole('button', { name: 'Add commitment' }).click();
  const commitment = form.locator('.forms-list-item').nth(1);
  await commitment.getByRole('combobox', { name: 'Party', exact: true }).selectOption(world.ids.parties.RU);
  await commitment.getByRole('combobox', { name: 'Commitment', exact: true }).selectOption('no_attack');
  await commitment.getByRole('combobox', { name: 'About', exact: true }).selectOption('corridor');
  await commitment.getByRole('combobox', { name: 'Corridor', exact: true }).selectOption({ label: 'EA-1 — To the west (in this proposal)' });
  await commitment.getByRole('textbox', { name: 'Text', exact: true }).fill('No attack on the corridor');
  const truce = form.getByRole('group', { name: 'Truce', exact: true });
  await truce.getByRole('combobox', { name: 'Zone', exact: true }).selectOption(world.ids.zones.EA);
  await truce.getByRole('combobox', { name: 'The truce starts' }).selectOption('when_fulfilled');
  await truce.getByLabel('No attack on the corridor (in this proposal)').check();
  const signatories = form.getByRole('group', { name: 'Signatories', exact: true });
  await signatories.getByLabel('RU — Party RU').check();
  await signatories.getByLabel('US — Party US').check();
  await page.screenshot({ path: `${SHOTS}forms-propose-agreement-360.png`, fullPage: true });
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('propose_agreement');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  const agreements = (await (await fetch(`${world.base}/api/v1/agreements`)).json()).items;
  const terms = agreements.find((row) => row.title === 'Corridors out of East Aleppo').versions[0].terms;
  assert.equal(terms.commitments[0].scope.corridor, terms.corridors[0].corridor_id, 'the commitment names the new corridor');
  assert.deepEqual(terms.truce.start, { kind: 'when_fulfilled', commitment_ids: [terms.commitments[0].commitment_id] });
  const corridors = (await (await fetch(`${world.base}/api/v1/corridors`)).json()).items;
  const drawn = corridors.find((row) => row.code === 'EA-1');
  assert.deepEqual(drawn.route.coordinates, [
    [37.16, 36.2],
    [37.2, 36.21],
    [37.25, 36.22],
  ]);
});

/** The id of the agreement proposed above, by its title. */
async function agreementId(title) {
  const agreements = (await (await fetch(`${world.base}/api/v1/agreements`)).json()).items;
  return agreements.find((row) => row.title === title).agreement_id;
}

test('a stance opened from an agreement gets its latest version, attested', async () => {
  await enrol('us');
  await resetResults();
  await open('endorse', { agreement_id: await agreementId('Corridors out of East Aleppo') });
  const form = page.locator('#harness-form form.forms-form');
  await page.waitForFunction(() => document.querySelector('#harness-form input[type=number]')?.value === '1');
  assert.equal(await form.getByText('How you record this act').isVisible(), false, 'a coordinator only attests');
  assert.equal(await form.getByText('When it happened, by the sources').isVisible(), false);
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('endorse');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
});

test('a monitor records another party act as reported, with its time and sources', async () => {
  await signIn('un');
  await resetResults();
  await open('endorse', { agreement_id: await agreementId('Corridors out of East Aleppo') });
  const form = page.locator('#harness-form form.forms-form');
  await page.waitForFunction(() => document.querySelector('#harness-form input[type=number]')?.value === '1');
  // A minute ahead: to the minute, "now" could fall before the version was proposed.
  await form.getByLabel('When it happened, by the sources').fill(new Date(Date.now() + 60_000).toISOString().slice(0, 16));
  await form.getByRole('combobox', { name: 'Party that acted' }).selectOption(world.ids.parties.RU);
  const sourceItem = form.locator('.forms-list-item').first();
  await sourceItem.getByRole('textbox', { name: 'Organisation', exact: true }).fill('EFE');
  await sourceItem.getByLabel('Kind of source').selectOption('media');
  await page.screenshot({ path: `${SHOTS}forms-reported-act-360.png`, fullPage: true });
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('endorse');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
});

test('a new version starts from the terms it supersedes, its corridor carried over', async () => {
  await signIn('ru');
  await resetResults();
  const before = (await (await fetch(`${world.base}/api/v1/corridors`)).json()).items.find((row) => row.code === 'EA-1');
  await open('propose_version', { agreement_id: await agreementId('Corridors out of East Aleppo') });
  const form = page.locator('#harness-form form.forms-form');
  const corridor = form.locator('.forms-list-item').first();
  await corridor.getByRole('textbox', { name: 'Code', exact: true }).waitFor();
  assert.equal(await corridor.getByRole('textbox', { name: 'Code', exact: true }).inputValue(), 'EA-1');
  assert.equal(await form.getByLabel('Replaces version').inputValue(), '1');
  await corridor.getByLabel('Half-width (metres)').fill('400');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('propose_version');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  const agreements = (await (await fetch(`${world.base}/api/v1/agreements`)).json()).items;
  const thread = agreements.find((row) => row.title === 'Corridors out of East Aleppo');
  const carried = thread.versions.find((version) => version.version === 2).terms.corridors[0];
  assert.equal(carried.corridor_id, before.corridor_id, 'the same corridor');
  assert.equal(carried.half_width_m, 400);
  assert.deepEqual(carried.route, before.route, 'its route carried over');
});

test('an alert addressed to the party is acknowledged', async () => {
  await signIn('us');
  await resetResults();
  await open('acknowledge_alert');
  const select = page.getByRole('combobox', { name: 'Alert' });
  await page.waitForFunction(() => document.querySelectorAll('#harness-form select option').length > 1);
  const value = await select.locator('option').nth(1).getAttribute('value');
  await select.selectOption(value);
  await page.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('acknowledge_alert');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
});

test('in Arabic the form reads right to left, on a phone and a desktop', async () => {
  await signIn('un');
  await page.evaluate(() => {
    document.documentElement.lang = 'ar';
    document.documentElement.dir = 'rtl';
  });
  await page.evaluate(() => window.harness.open('report_incident', null, 'ar'));
  await page.locator('#harness-form form.forms-form h2').waitFor();
  assert.equal(await page.locator('#harness-form section.forms').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('#harness-form h2').textContent(), 'الإبلاغ عن حادث');
  const label = await page.locator('#harness-form label').first().boundingBox();
  const select = await page.locator('#harness-form select').first().boundingBox();
  assert.ok(label.x + label.width > select.x + select.width - 2, 'labels sit at the right edge');
  await page.screenshot({ path: `${SHOTS}forms-report-incident-ar-360.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}forms-report-incident-ar-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  await page.evaluate(() => {
    document.documentElement.lang = 'en';
    document.documentElement.dir = 'ltr';
  });
});

test('a refused form shows the server problem at its field', async () => {
  await signIn('un');
  await resetResults();
  // A stale link names a zone the log does not have: only the server can tell.
  await open('report_incident', { location: { zone_id: '01890a5d-ac96-774b-bcce-b302099a8057' } });
  await fillIncident('Gunfire');
  await page.getByRole('button', { name: 'Sign and send' }).click();
  const zoneSelect = page.getByRole('combobox', { name: 'Zone', exact: true });
  const zone = page.locator('.forms-row', { has: zoneSelect });
  await zone.locator('.forms-error').waitFor();
  assert.match(await zone.locator('.forms-error').textContent(), /zone/i);
  assert.equal(await zoneSelect.getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: `${SHOTS}forms-refused-360.png`, fullPage: true });
});

test('in Arabic a refusal reads in Arabic at its field, by its problem type', async () => {
  const ar = CATALOGUES.ar;
  await signIn('un');
  await page.evaluate(() => {
    document.documentElement.lang = 'ar';
    document.documentElement.dir = 'rtl';
  });
  await page.evaluate((given) => window.harness.open('report_incident', given, 'ar'), { location: { zone_id: '01890a5d-ac96-774b-bcce-b302099a8057' } });
  await page.locator('#harness-form form.forms-form h2').waitFor();
  await fillIncident('إطلاق نار', 'ar');
  await page.getByRole('button', { name: ar['forms.submit'] }).click();
  const zoneSelect = page.getByRole('combobox', { name: ar['forms.field.zone_id'], exact: true });
  const zone = page.locator('.forms-row', { has: zoneSelect });
  await zone.locator('.forms-error').waitFor();
  // The server's detail is English; the page says it in Arabic, with the field's path.
  assert.equal(await zone.locator('.forms-error').textContent(), `${ar['forms.problem.unknown_reference']} (الحقل location.zone_id)`);
  assert.equal(await zoneSelect.getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: `${SHOTS}forms-refused-ar-360.png`, fullPage: true });
  await page.evaluate(() => {
    document.documentElement.lang = 'en';
    document.documentElement.dir = 'ltr';
  });
});

test('offline, a report is kept; back online it arrives once, signed, with its time', async () => {
  await signIn('un');
  await resetResults();
  await context.setOffline(true);
  await open('report_incident');
  await fillIncident('Checkpoint closed, written offline');
  const form = page.locator('#harness-form form.forms-form');
  const writtenStart = await form.getByLabel('Start').inputValue();
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const queued = await lastResult('report_incident');
  assert.equal(queued.queued, true);
  await page.getByText('Waiting to be sent (1)').waitFor();
  await page.screenshot({ path: `${SHOTS}forms-offline-queue-360.png`, fullPage: true });

  await context.setOffline(false);
  await page.waitForFunction(() => window.harness.lastFlush !== undefined);
  const flushed = await page.evaluate(() => window.harness.lastFlush);
  assert.equal(flushed.sent.length, 1);
  assert.equal(flushed.left, 0);
  // Sending again (a second tab's flush) finds nothing left to send.
  assert.equal((await page.evaluate(() => window.harness.flush())).sent.length, 0);

  const incidents = (await (await fetch(`${world.base}/api/v1/incidents`)).json()).items;
  const arrived = incidents.filter((row) => JSON.stringify(row).includes('written offline'));
  assert.equal(arrived.length, 1, 'one record');
  assert.equal(Date.parse(arrived[0].when.start), Date.parse(`${writtenStart}Z`), 'its time as written');
  const seq = flushed.sent[0].receipt.seq;
  const entries = await (await fetch(`${world.base}/api/v1/ledger/entries?from=${seq}&limit=1`)).json();
  const text = JSON.stringify(entries);
  const publicKey = await page.evaluate(
    (accountId) =>
      new Promise((resolve) => {
        const request = indexedDB.open('truce-keys', 1);
        request.onsuccess = () => {
          const get = request.result.transaction('keys').objectStore('keys').get(accountId);
          get.onsuccess = () => resolve(get.result.publicKey);
        };
      }),
    world.accounts.un.account_id,
  );
  assert.ok(text.includes(publicKey), 'signed with the browser key');
});

/** The body of the entry `seq` as the ledger holds it. */
async function entryBody(seq) {
  const page = await (await fetch(`${world.base}/api/v1/ledger/entries?from=${seq}&limit=1`)).json();
  return JSON.parse(page.entries[0].entry).command.body;
}

test('times are typed in UTC to the second, with the same instant on the device clock beside them', async () => {
  await signIn('un');
  await resetResults();
  await open('record_observation');
  const form = page.locator('#harness-form form.forms-form');
  await form.getByLabel('What was observed').selectOption('explosion');
  await form.getByLabel('How it was observed').selectOption('heard');
  await form.getByRole('group', { name: /^How many/ }).getByRole('spinbutton').fill('12');
  await form.getByLabel('Weapon (as far as can be told)').selectOption('undetermined');
  const start = form.getByRole('group', { name: 'When' }).getByLabel('Start');
  assert.equal(await start.getAttribute('step'), '1', 'to the second');
  const typedStart = new Date(Date.now() - 3_600_000).toISOString().slice(0, 17) + '30';
  await start.fill(typedStart);
  const local = form.locator('.forms-local-time').first();
  assert.match(await local.textContent(), /GMT\+3/, 'the local offset is shown');
  assert.match(await local.textContent(), /:30/, 'with its seconds');
  assert.match(await form.getByText('End (not included; empty for an instant)').textContent(), /not included/);
  const observer = form.getByRole('group', { name: 'Where the observer stood' });
  await observer.getByRole('button', { name: 'Pick on the map' }).click();
  await observer.getByLabel('Uncertainty (metres)').fill('50');
  await form.getByLabel(/^Bearing from the observer/).fill('360');
  const distance = form.getByRole('group', { name: 'Distance from the observer (metres)' });
  await distance.getByLabel('At least').fill('5000');
  await distance.getByLabel('At most').fill('3000');
  const sourceBox = form.getByRole('group', { name: 'Source', exact: true });
  await sourceBox.getByRole('textbox', { name: 'Organisation', exact: true }).fill('UN team');
  await sourceBox.getByLabel('Kind of source').selectOption('monitor_on_site');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  // Refused before sending: a bearing of 360 and a distance whose minimum is above its maximum.
  await form.locator('.forms-row', { has: page.getByLabel(/^Bearing from the observer/) }).locator('.forms-error').waitFor();
  await form.getByLabel(/^Bearing from the observer/).fill('135');
  await distance.getByLabel('At least').fill('3000');
  await distance.getByLabel('At most').fill('5000');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('record_observation');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  // After sending: a full-page screenshot scrolls the page, and a click made then misses.
  await page.screenshot({ path: `${SHOTS}forms-observation-360.png`, fullPage: true });
  const body = await entryBody(receipt.seq);
  assert.equal(body.observation.when.start, `${typedStart}Z`, 'the time as typed, in UTC, to the second');
  assert.equal(body.observation.when.end, undefined, 'an instant');
  assert.deepEqual(body.observation.observer.position, [37.18, 36.2]);
  assert.deepEqual(body.observation.distance, { min_m: 3000, max_m: 5000 });
});

test('a statement is about records chosen by their kind, and accuses a force', async () => {
  await signIn('un');
  await resetResults();
  await open('make_statement');
  const form = page.locator('#harness-form form.forms-form');
  await form.getByLabel('What is said').fill('The shelling came from the SAA');
  await form.getByRole('button', { name: 'Add record' }).click();
  const first = form.locator('.forms-list-item').first();
  await first.getByLabel('Stance').selectOption('accuses');
  await first.getByLabel('Force accused').selectOption(world.ids.forces.SAA);
  await first.getByLabel('Kind of record').selectOption('incident');
  const incident = first.getByRole('combobox', { name: 'Incident', exact: true });
  await page.waitForFunction(() => document.querySelectorAll('#harness-form .forms-list-item select option').length > 3);
  await incident.selectOption({ index: 1 });
  await form.getByRole('button', { name: 'Add record' }).click();
  const second = form.locator('.forms-list-item').nth(1);
  await second.getByLabel('Stance').selectOption('mentions');
  assert.equal(await second.getByLabel('Force accused').isVisible(), false, 'a force only for an accusation');
  await second.getByLabel('Kind of record').selectOption('version');
  const version = second.getByRole('combobox', { name: 'Version', exact: true });
  await page.waitForFunction(() => [...document.querySelectorAll('#harness-form option')].some((option) => option.textContent.includes('— v2')));
  const value = await page.evaluate(() => [...document.querySelectorAll('#harness-form option')].find((option) => option.textContent.startsWith('Corridors out of East Aleppo — v2')).value);
  await version.selectOption(value);
  await page.screenshot({ path: `${SHOTS}forms-statement-360.png`, fullPage: true });
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('make_statement');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  const body = await entryBody(receipt.seq);
  assert.equal(body.about[0].stance, 'accuses');
  assert.equal(body.about[0].force_id, world.ids.forces.SAA);
  assert.equal(body.about[0].record.record, 'incident');
  assert.deepEqual(Object.keys(body.about[1].record).sort(), ['agreement_id', 'record', 'version']);
  assert.equal(body.about[1].record.version, 2);
});

test('a statement opened from a record is about that record', async () => {
  await signIn('un');
  const agreement = await agreementId('Corridors out of East Aleppo');
  await open('make_statement', { about: [{ stance: 'denies', record: { record: 'version', agreement_id: agreement, version: 1 } }] });
  const item = page.locator('#harness-form .forms-list-item').first();
  await page.waitForFunction(() => [...document.querySelectorAll('#harness-form option')].some((option) => option.textContent.includes('— v1')));
  assert.equal(await item.getByLabel('Stance').inputValue(), 'denies');
  assert.equal(await item.getByLabel('Kind of record').inputValue(), 'version');
  const chosen = await item.getByRole('combobox', { name: 'Version', exact: true }).evaluate((select) => select.selectedOptions[0].textContent);
  assert.match(chosen, /^Corridors out of East Aleppo — v1/);
});

test('a refusal about a violation a statement names is shown at the violation chosen', async () => {
  await signIn('un');
  await open('make_statement', {
    text: 'It was a violation',
    about: [{ stance: 'confirms', record: { record: 'violation', incident_id: uuidv7(), commitment_id: uuidv7() } }],
  });
  const form = page.locator('#harness-form form.forms-form');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const violation = page.getByRole('combobox', { name: 'Violation' });
  await form.locator('.forms-row', { has: violation }).locator('.forms-error').waitFor();
  assert.equal(await violation.getAttribute('aria-invalid'), 'true');
  assert.equal(await form.getByRole('combobox', { name: 'Incident', exact: true }).isVisible(), false);

  // The same path names the incident chosen when the record is an incident.
  await open('make_statement', { text: 'It happened', about: [{ stance: 'confirms', record: { record: 'incident', incident_id: uuidv7() } }] });
  await page.locator('#harness-form').getByRole('button', { name: 'Sign and send' }).click();
  const incident = page.getByRole('combobox', { name: 'Incident', exact: true });
  await page.locator('#harness-form .forms-row', { has: incident }).locator('.forms-error').waitFor();
  assert.equal(await incident.getAttribute('aria-invalid'), 'true');
});

test('what a source says a version says is recorded from the agreement, its version the latest', async () => {
  await signIn('un');
  await resetResults();
  await open('record_reading', { agreement_id: await agreementId('Corridors out of East Aleppo') });
  const form = page.locator('#harness-form form.forms-form');
  await page.waitForFunction(() => document.querySelector('#harness-form input[type=number]')?.value === '2');
  await form.getByLabel('Topic').selectOption('who_may_leave');
  await form.getByLabel('It says').fill('Fighters and their families only');
  await form.getByRole('group', { name: 'Groups it names' }).getByLabel('Fighters').check();
  const people = form.getByRole('group', { name: 'People' });
  await people.getByRole('combobox').selectOption('about');
  await people.getByRole('spinbutton').first().fill('5000');
  const sourceBox = form.getByRole('group', { name: 'Source', exact: true });
  await sourceBox.getByRole('textbox', { name: 'Organisation', exact: true }).fill('Reuters');
  await sourceBox.getByLabel('Kind of source').selectOption('media');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('record_reading');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  const body = await entryBody(receipt.seq);
  assert.equal(body.version, 2);
  assert.deepEqual(body.reading, { topic: 'who_may_leave', says: 'Fighters and their families only', groups: ['fighters'], people: { about: 5000 } });
});

test('a record is retracted from its view (prefilled) or chosen from what one may retract', async () => {
  await signIn('un');
  await resetResults();
  await open('retract');
  const form = page.locator('#harness-form form.forms-form');
  assert.ok(await form.getByLabel('Entry of the log').isVisible());
  await page.waitForFunction((seq) => [...document.querySelectorAll('#harness-form option')].some((option) => option.value === String(seq)), reportSeq);
  // From the incident's view, which names the incident: its entry is found.
  await open('retract', { incident_id: (await entryBody(reportSeq)).incident_id });
  await page.waitForFunction((seq) => document.querySelector('#harness-form select')?.value === String(seq), reportSeq);
  await open('retract', { seq: reportSeq });
  assert.equal(await page.locator('#harness-form select').first().inputValue(), String(reportSeq));
  await page.locator('#harness-form').getByLabel('Reason').fill('entered by mistake');
  await page.locator('#harness-form').getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('retract');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  assert.deepEqual(await entryBody(receipt.seq), { type: 'retract', seq: reportSeq, reason: 'entered by mistake' });
  // Retracted: no longer offered.
  await open('retract');
  await page.waitForFunction(() => !document.querySelector('#harness-form option')?.textContent.includes('Loading'));
  const offered = await page.evaluate(() => [...document.querySelectorAll('#harness-form option')].map((option) => option.value));
  assert.ok(!offered.includes(String(reportSeq)), JSON.stringify(offered));
});

test('a violation opened from its view is dismissed by its fields, refusals shown at the choice', async () => {
  await enrol('cell');
  await resetResults();
  // A violation the log does not have: the shell's prefill is taken as given; only the server can tell.
  await open('dismiss_violation', { incident_id: uuidv7(), commitment_id: uuidv7() });
  const form = page.locator('#harness-form form.forms-form');
  await form.getByLabel('Reason').fill('outside the forces bound');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const violation = form.locator('.forms-row', { has: page.getByRole('combobox', { name: 'Violation' }) });
  await violation.locator('.forms-error').waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Violation' }).getAttribute('aria-invalid'), 'true');
});

test('a coordinator opens a code for a new device, shown once, then revokes its key; an account sets its encryption key', async () => {
  await signIn('ru');
  await resetResults();
  // A second account of the party, registered by its coordinator with the CLI.
  const phoneId = uuidv7();
  const first = await generateKey();
  world.submit('ru', {
    type: 'register_account', account_id: phoneId, party_id: world.accounts.ru.party_id, name: 'RU field phone',
    roles: ['monitor'], public_key: first.publicKey,
  });
  assert.ok((await page.evaluate(() => window.harness.jobs().map((job) => job.command))).includes('create_enrolment'));
  await open('create_enrolment');
  const form = page.locator('#harness-form form.forms-form');
  const account = form.getByLabel('Account');
  await page.waitForFunction(() => [...document.querySelectorAll('#harness-form option')].some((option) => option.textContent.includes('RU field phone')));
  await account.selectOption({ label: 'RU field phone' });
  await form.getByLabel('Valid for').selectOption('hour');
  await form.getByRole('button', { name: 'Sign and send' }).click();
  const receipt = await lastResult('create_enrolment');
  assert.ok(receipt.seq > 0, JSON.stringify(receipt));
  const shown = (await page.locator('.forms-once .forms-code').textContent()).replace(/\s/g, '');
  assert.match(shown, /^[0-9a-f]{32}$/);
  await page.screenshot({ path: `${SHOTS}forms-enrolment-code-360.png`, fullPage: true });
  const body = await entryBody(receipt.seq);
  assert.ok(!JSON.stringify(body).includes(shown), 'the log holds only its hash');
  assert.equal(body.account_id, phoneId);

  // The phone enrols with the code read out to it.
  useKeyStore(memoryStore('account_id'));
  const phone = { account_id: phoneId, party_id: world.accounts.ru.party_id, roles: ['monitor'] };
  const enrolled = await enrolKey(phone, shown, { base: world.base });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
  const phoneKey = (await loadKey(phoneId)).publicKey;

  // The phone is lost: its coordinator revokes the key, chosen among the account's keys.
  await resetResults();
  await open('revoke_key', { account_id: phoneId });
  await page.waitForFunction((key) => [...document.querySelectorAll('#harness-form option')].some((option) => option.value === key), phoneKey);
  await page.locator('#harness-form').getByRole('combobox', { name: 'Key' }).selectOption(phoneKey);
  await page.locator('#harness-form').getByLabel('Reason').fill('phone lost');
  await page.locator('#harness-form').getByRole('button', { name: 'Sign and send' }).click();
  const revoked = await lastResult('revoke_key');
  assert.ok(revoked.seq > 0, JSON.stringify(revoked));
  assert.deepEqual(await entryBody(revoked.seq), { type: 'revoke_key', account_id: phoneId, public_key: phoneKey, reason: 'phone lost' });

  // Its own encryption key, pasted; a malformed one is refused at the field before sending.
  await resetResults();
  await open('set_encryption_key');
  const keyField = page.locator('#harness-form').getByLabel('Encryption key (age1…)');
  await keyField.fill('age1notarecipient');
  await page.locator('#harness-form').getByRole('button', { name: 'Sign and send' }).click();
  await page.locator('#harness-form .forms-row', { has: page.getByLabel('Encryption key (age1…)') }).locator('.forms-error').waitFor();
  await keyField.fill('age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p');
  await page.locator('#harness-form').getByRole('button', { name: 'Sign and send' }).click();
  const set = await lastResult('set_encryption_key');
  assert.ok(set.seq > 0, JSON.stringify(set));
  assert.equal((await entryBody(set.seq)).account_id, world.accounts.ru.account_id);
});

test('every control of every form has a label and is reached by keyboard', async () => {
  const commands = await page.evaluate(() => import('/src/forms/specs.js').then((specs) => Object.keys(specs.SPECS)));
  assert.ok(commands.length >= 30);
  for (const command of commands) {
    await page.evaluate(async (name) => {
      const forms = await import('/src/forms/index.js');
      const session = { account_id: 'a', party_id: 'p', roles: ['coordinator', 'monitor', 'analyst'] };
      forms.openForm(document.getElementById('harness-form'), name, { session, t: (key) => key, lang: 'en', map: {} });
    }, command);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('#harness-form input, #harness-form select, #harness-form textarea, #harness-form button')]
        .filter((control) => {
          if (control.tagName === 'BUTTON') return !control.textContent.trim();
          return !(control.labels?.length > 0 || control.getAttribute('aria-label'));
        })
        .map((control) => control.outerHTML),
    );
    assert.deepEqual(unlabelled, [], command);
    const focusable = await page.evaluate(() =>
      [...document.querySelectorAll('#harness-form input, #harness-form select, #harness-form textarea, #harness-form button')].every(
        (control) => control.tabIndex >= 0,
      ),
    );
    assert.ok(focusable, `${command}: every control is in the tab order`);
  }
  // Tab from the first control reaches the submit button.
  await page.locator('#harness-form select, #harness-form input').first().focus();
  let reached = false;
  for (let presses = 0; presses < 120 && !reached; presses += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.classList.contains('forms-submit'));
  }
  assert.ok(reached, 'the submit button is reached by Tab');
});

test('no console errors', () => {
  // Chromium logs every HTTP refusal and every fetch made offline as a console error of its
  // own ("Failed to load resource"); the tests above cause both on purpose. Anything else
  // (a script error, a CSP violation) fails here.
  const expected = /Failed to load resource: (the server responded with a status of 422|net::ERR_INTERNET_DISCONNECTED)/;
  assert.deepEqual(consoleErrors.filter((text) => !expected.test(text)), []);
});
