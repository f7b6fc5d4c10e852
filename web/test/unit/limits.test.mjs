// The forms' bounds are the core's: every constant of `forms/limits.js` has the value of the
// constant of the same name in `crates/truce-core/src/vocab/limits.rs`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as limits from '../../src/forms/limits.js';

const rust = readFileSync(new URL('../../../crates/truce-core/src/vocab/limits.rs', import.meta.url), 'utf8');

function rustConstant(name) {
  const match = new RegExp(`pub const ${name}: \\w+ = ([^;]+);`).exec(rust);
  assert.ok(match, `limits.rs has no ${name}`);
  // Rust writes `4_000` and `7 * 24 * 3600`; both are JS once the underscores go.
  return Function(`return (${match[1].replace(/_/g, '')});`)();
}

test('every bound the forms check is the core bound of the same name', () => {
  for (const [name, value] of Object.entries(limits)) {
    assert.equal(value, rustConstant(name), name);
  }
});
