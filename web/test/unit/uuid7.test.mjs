// UUIDv7 ids made by the page.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { isUuidV7, uuidv7 } from '../../src/sign/uuid7.js';

test('a fresh id is a lowercase hyphenated version 7, variant 10 UUID', () => {
  for (let idx = 0; idx < 200; idx += 1) {
    const id = uuidv7();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(isUuidV7(id));
  }
});

test('the first 48 bits are the Unix milliseconds given', () => {
  const ms = Date.UTC(2016, 11, 12, 9, 0, 0, 123);
  const id = uuidv7(ms);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), ms);
});

test('ids are fresh', () => {
  const ids = new Set(Array.from({ length: 1000 }, () => uuidv7()));
  assert.equal(ids.size, 1000);
});

test('other versions and upper case are not UUIDv7 as the server parses them', () => {
  assert.ok(!isUuidV7('01890a5d-ac96-474b-bcce-b302099a8057'));
  assert.ok(!isUuidV7('01890A5D-AC96-774B-BCCE-B302099A8057'));
  assert.ok(!isUuidV7('01890a5d-ac96-774b-ccce-b302099a8057'));
});
