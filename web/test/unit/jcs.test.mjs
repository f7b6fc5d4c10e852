// JCS against the examples of RFC 8785, and the one refusal the ledger adds.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { canonicalize } from '../../src/sign/jcs.js';

test('the sample of RFC 8785 section 3.2.2 canonicalises to its published form', () => {
  // The input text of the RFC, as JSON.parse reads it.
  const input = JSON.parse(
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
      ' "literals": [null, true, false]}',
  );
  assert.equal(
    canonicalize(input),
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
  );
});

test('keys sort by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
  const input = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    1: 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  };
  // Read off the text: JSON.parse would put the integer-like key "1" first again.
  const order = [...canonicalize(input).matchAll(/:"([^"]*)"/g)].map((match) => match[1]);
  assert.deepEqual(order, [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ]);
});

test('numbers take the forms of RFC 8785 appendix B', () => {
  const hexToDouble = (hex) => new DataView(Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16)).buffer).getFloat64(0);
  const vectors = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    // 2^68 and its neighbours are past 64 bits: read as doubles by the ledger too.
    ['4430000000000000', '295147905179352830000'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [hex, expected] of vectors) {
    assert.equal(canonicalize(hexToDouble(hex)), expected, hex);
  }
});

test('integers a double cannot hold exactly are refused, as the ledger refuses them', () => {
  // RFC 8785 gives 9007199254740992 for 2^53 (appendix B); the ledger (I-JSON) refuses an
  // integer past 2^53 - 1 that it reads as a 64-bit integer, instead of signing a value that
  // other readers may read differently, and so does this module.
  assert.equal(canonicalize(2 ** 53 - 1), '9007199254740991');
  assert.throws(() => canonicalize({ seq: 2 ** 53 }), RangeError);
  assert.throws(() => canonicalize([-(2 ** 53)]), RangeError);
  assert.throws(() => canonicalize(2 ** 64 - 2048), RangeError);
  assert.throws(() => canonicalize(Number.NaN), RangeError);
});

test('nested objects and arrays keep array order and drop undefined members', () => {
  assert.equal(canonicalize({ b: [3, { d: 1, c: 'x' }], a: undefined, e: {} }), '{"b":[3,{"c":"x","d":1}],"e":{}}');
});
