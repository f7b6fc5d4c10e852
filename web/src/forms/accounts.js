// What the account forms make on this device rather than take from a person: an enrolment's
// one-time code (docs/keys.md). The code is drawn here, once per form (a retry sends the
// same), 128 random bits as 32 hex digits like `truce account enrolment`'s; the command
// carries only its SHA-256 (of the code's text, as `enrolment_code_sha256` hashes it) and
// when it expires, counted from the server's clock. The code is shown once, to who opened it.

import { randomHex, sha256Hex } from '../sign/bytes.js';
import { rfc3339 } from '../sign/envelope.js';

/** How long an enrolment may stay open, by the form's choice: under the core's seven days. */
export const EXPIRY_HOURS = { hour: 1, day: 24, three_days: 72, six_days: 144 };

/**
 * Completes a `create_enrolment` body: the hash of the form's code (drawn on first use and
 * kept in `state`) and its expiry. Resolves with what to show once accepted.
 * @param {object} body from `buildBody`
 * @param {object} raw what was typed (`_expires_in`)
 * @param {{code?: string}} state kept for the form's life
 * @param {number} serverNowMs the server's clock
 */
export async function prepareEnrolment(body, raw, state, serverNowMs) {
  state.code ??= randomHex(16);
  const hours = EXPIRY_HOURS[raw?._expires_in] ?? EXPIRY_HOURS.day;
  body.code_sha256 = await sha256Hex(state.code);
  body.expires_at = rfc3339(Math.floor(serverNowMs / 1000) * 1000 + hours * 3_600_000);
  return { code: state.code, expires_at: body.expires_at };
}

/** The code as it is read out: four groups of eight (`truce keys enrol` drops the spaces). */
export function groupedCode(code) {
  return code.match(/.{1,8}/g).join(' ');
}
