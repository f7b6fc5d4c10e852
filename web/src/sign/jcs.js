// RFC 8785 JSON Canonicalization Scheme (JCS): the bytes a command is signed over
// (`crates/truce-ledger` `canonical_json`).
//
// Written here rather than taken from npm: JCS is defined in terms of ECMAScript's own
// JSON.stringify for strings and numbers, so the whole scheme is the key sort below, and
// we add the one check the ledger makes that no canonicaliser does: integers beyond
// ±(2^53 − 1) (I-JSON, RFC 7493) are refused rather than silently rounded.
// This module does not decide what goes into a command; it only fixes the bytes.

/** The deepest nesting the ledger canonicalises (`JSON_DEPTH_MAX`). */
export const JSON_DEPTH_MAX = 127;

/**
 * The canonical JSON text of `value`.
 * @param {unknown} value
 * @returns {string}
 */
export function canonicalize(value) {
  return write(value, 1);
}

/**
 * Whether the ledger would read this number, as we write it, as a 64-bit integer beyond
 * ±(2^53 − 1) and refuse it: its text is all digits (no exponent, which JS uses from 1e21)
 * and it fits a u64 or an i64, which serde_json reads as integers rather than doubles.
 */
function readAsWideInteger(value) {
  if (!Number.isInteger(value) || Number.isSafeInteger(value)) return false;
  if (/e/.test(String(value))) return false;
  return value > 0 ? value < 2 ** 64 : value >= -(2 ** 63);
}

function write(value, depth) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`JCS has no form for ${value}`);
      if (readAsWideInteger(value)) {
        throw new RangeError(`the integer ${value} is beyond ±(2^53 − 1), which JSON does not hold exactly`);
      }
      // ECMAScript's Number-to-String is JCS's number form (RFC 8785 section 3.2.2.3).
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`JCS has no form for a ${typeof value}`);
  }
  if (depth > JSON_DEPTH_MAX) throw new RangeError(`JSON nests deeper than ${JSON_DEPTH_MAX}`);
  if (Array.isArray(value)) {
    return `[${value.map((item) => write(item, depth + 1)).join(',')}]`;
  }
  // Keys sorted by UTF-16 code units, which is what the default sort compares.
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  const members = keys.map((key) => `${JSON.stringify(key)}:${write(value[key], depth + 1)}`);
  return `{${members.join(',')}}`;
}
