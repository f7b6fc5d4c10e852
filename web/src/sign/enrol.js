// Enrolling this device's key on an account (docs/keys.md): the person types the one-time
// code whoever manages the account read out to them; the page makes a non-extractable key
// and submits `enrol_key` with the code, signed with that new key and authored as the
// account. The key is kept only once the server accepted it.

import { generateKey, loadKey, saveKey } from './keys.js';
import { submitCommand } from './submit.js';

/** Hexadecimal digits of an enrolment code (`ENROLMENT_CODE_LEN`). */
export const ENROLMENT_CODE_LEN = 32;

/**
 * The code as the server takes it: hex digits only, lowercase (spaces and dashes a person
 * types while reading it out are dropped, as `truce keys enrol` drops them), or null when
 * it is not 32 of them.
 */
export function normaliseCode(typed) {
  const code = String(typed ?? '').replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return code.length === ENROLMENT_CODE_LEN ? code : null;
}

/**
 * Makes a key for `session.account_id`, enrols it with `code`, and keeps it when accepted.
 * Resolves with `{ok, status, body}` as `submitCommand`.
 * @param {{account_id: string, party_id: string | null}} session
 * @param {string} code already normalised
 */
export async function enrolKey(session, code, transport = {}) {
  const { keyPair, publicKey } = await generateKey();
  const key = { keyPair, publicKey };
  const reply = await submitCommand(
    { key, author: session.account_id, party: session.party_id ?? null, body: { type: 'enrol_key', code } },
    transport,
  );
  if (reply.ok) {
    await saveKey({ account_id: session.account_id, keyPair, publicKey, enrolled: true, created_at: new Date().toISOString() });
  }
  return reply;
}

/**
 * Whether the key this device keeps for the session's account is one the account holds now,
 * by the signed-in account list (`GET /api/v1/accounts`, which shows its keys). Resolves
 * with the key when it is, null when the device has none or the account no longer holds it
 * (revoked), and the key unchecked when the list cannot be read (offline).
 */
export async function currentKey(session, transport = {}) {
  const key = await loadKey(session.account_id);
  if (!key) return null;
  const doFetch = transport.fetch ?? globalThis.fetch;
  try {
    const response = await doFetch(`${transport.base ?? ''}/api/v1/accounts`, {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!response.ok) return key;
    const listed = await response.json();
    const accounts = Array.isArray(listed) ? listed : (listed.accounts ?? listed.items ?? []);
    const account = accounts.find((row) => row.account_id === session.account_id);
    if (!account || !Array.isArray(account.public_keys)) return key;
    return account.public_keys.includes(key.publicKey) ? key : null;
  } catch {
    return key;
  }
}
