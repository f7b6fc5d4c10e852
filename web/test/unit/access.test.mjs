// The page's table of who may submit what is the core's (`access/table.rs`), read from the
// Rust source's text: a row added, removed or changed there fails here until mirrored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { PERMISSIONS, modesFor } from '../../src/forms/access.js';
import { JOBS, jobsFor } from '../../src/forms/jobs.js';
import { SPECS } from '../../src/forms/specs.js';

const rust = readFileSync(new URL('../../../crates/truce-core/src/access/table.rs', import.meta.url), 'utf8');

const snake = (camel) => camel.replace(/[A-Z]/g, (letter, idx) => `${idx ? '_' : ''}${letter.toLowerCase()}`);

function rustTable() {
  const sets = {};
  for (const [, name, roles] of rust.matchAll(/const (\w+): &\[Role\] = &\[([^\]]*)\];/g)) {
    sets[name] = roles.split(',').map((role) => role.trim()).filter(Boolean).map(snake);
  }
  const table = {};
  for (const [, variant, rule] of rust.matchAll(/CommandBody::(\w+)[^=]*=> \("[^"]*", ([^)]*\)?)\)/g)) {
    const roles = /^Roles\((\w+)\)$/.exec(rule);
    const act = /^Act \{ attest: (\w+) \}$/.exec(rule.trim());
    if (rule.trim() === 'Anyone') table[snake(variant)] = { anyone: true };
    else if (roles) table[snake(variant)] = { roles: sets[roles[1]] };
    else if (act) table[snake(variant)] = { attest: sets[act[1]] };
    else assert.fail(`a rule of table.rs not understood: ${rule}`);
  }
  return table;
}

test('the page mirrors every row of the core authorization table', () => {
  const table = rustTable();
  assert.ok(Object.keys(table).length > 40, 'table.rs was read');
  assert.deepEqual(PERMISSIONS, table);
});

test('an act is attested by a coordinator of a party and reported by monitors and analysts', () => {
  assert.deepEqual(modesFor({ party_id: 'p', roles: ['coordinator'] }, 'endorse'), ['attested']);
  assert.deepEqual(modesFor({ party_id: 'p', roles: ['monitor'] }, 'endorse'), ['reported']);
  assert.deepEqual(modesFor({ party_id: 'p', roles: ['monitor'] }, 'make_statement'), ['attested', 'reported']);
  assert.deepEqual(modesFor({ party_id: null, roles: ['operator'] }, 'endorse'), []);
  assert.deepEqual(modesFor({ party_id: 'p', roles: ['coordinator'] }, 'grade_incident'), []);
});

test('each job offered has a form, and a session is offered only what it may do', () => {
  for (const job of JOBS) assert.ok(PERMISSIONS[job] && SPECS[job], job);
  const analyst = jobsFor({ account_id: 'a', party_id: 'p', roles: ['analyst'] }).map((job) => job.command);
  assert.ok(analyst.includes('grade_incident') && analyst.includes('endorse') && !analyst.includes('notify_humanitarian'));
  const coordinator = jobsFor({ account_id: 'a', party_id: 'p', roles: ['coordinator'] }).map((job) => job.command);
  assert.ok(coordinator.includes('propose_version') && coordinator.includes('notify_humanitarian'));
  assert.ok(!coordinator.includes('grade_incident') && !coordinator.includes('estimate_population'));
  // Managing other devices is offered to coordinators; one's own encryption key to everyone.
  assert.ok(coordinator.includes('create_enrolment') && coordinator.includes('revoke_key'));
  assert.ok(!analyst.includes('create_enrolment') && !analyst.includes('revoke_key') && analyst.includes('set_encryption_key'));
  assert.deepEqual(jobsFor(null), []);
});
