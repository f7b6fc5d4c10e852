// The command envelope and its signature, exactly as `truce submit` makes them
// (`crates/truce-cli/src/client.rs`): `{party, author, issued_at, nonce, body}` signed with
// Ed25519 over `"truce/command/v1\n" || JCS(command)` (`crates/truce-ledger` `sign_command`),
// posted as `{command, signer, signature}`. The nonce is fresh for every signature.

import { canonicalize } from './jcs.js';
import { randomHex, toBase64, utf8 } from './bytes.js';

/** The context prefix of every command signature (`COMMAND_CONTEXT`). */
export const COMMAND_CONTEXT = 'truce/command/v1\n';

/**
 * An instant as RFC 3339 in UTC, the way the server writes its own (whole seconds when
 * the milliseconds are zero, else milliseconds).
 * @param {Date | number} at
 */
export function rfc3339(at) {
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

/** A fresh nonce: 128 random bits as 32 hex digits, like the CLI's. */
export function newNonce() {
  return randomHex(16);
}

/**
 * The command object to sign.
 * @param {{author: string, party: string | null, body: object, issuedAt: Date | number}} args
 */
export function buildCommand({ author, party, body, issuedAt }) {
  return { party: party ?? null, author, issued_at: rfc3339(issuedAt), nonce: newNonce(), body };
}

/** The bytes a command signature covers. */
export function signingBytes(command) {
  return utf8(COMMAND_CONTEXT + canonicalize(command));
}

/**
 * The request body of `POST /api/v1/commands`.
 * @param {{keyPair: CryptoKeyPair, publicKey: string}} key
 * @param {object} command
 */
export async function signCommand(key, command) {
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key.keyPair.privateKey, signingBytes(command)));
  return { command, signer: key.publicKey, signature: toBase64(signature) };
}
