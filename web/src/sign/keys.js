// The device's signing key per account: an Ed25519 WebCrypto key pair made non-extractable,
// so the secret never leaves the browser's key store, kept in IndexedDB (CryptoKey objects
// survive structured cloning, still non-extractable). Its public key goes to the server as
// the padded standard base64 of its 32 raw bytes, as `truce keys show` prints it.
// This module does not enrol the key (see `enrol.js`) nor decide what is signed.

import { idbStore, memoryStore } from './idb.js';
import { toBase64 } from './bytes.js';

/** Where keys are kept: IndexedDB in a browser, memory elsewhere (node tests). */
let store = globalThis.indexedDB ? idbStore('truce-keys', 'keys', 'account_id') : memoryStore('account_id');

/** Replaces the key store (tests). */
export function useKeyStore(replacement) {
  store = replacement;
}

/**
 * A fresh non-extractable Ed25519 key pair and its public key's text form.
 * @returns {Promise<{keyPair: CryptoKeyPair, publicKey: string}>}
 */
export async function generateKey() {
  const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  // A public key is always exportable, whatever `extractable` says of the private one.
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
  return { keyPair, publicKey: toBase64(raw) };
}

/**
 * The key this device keeps for `accountId`, or undefined.
 * @returns {Promise<{account_id: string, keyPair: CryptoKeyPair, publicKey: string, enrolled: boolean, created_at: string} | undefined>}
 */
export function loadKey(accountId) {
  return store.get(accountId);
}

/** Keeps `record` ({account_id, keyPair, publicKey, enrolled, created_at}). */
export function saveKey(record) {
  return store.put(record);
}

/** Forgets the key of `accountId` (a revoked or refused key). */
export function forgetKey(accountId) {
  return store.delete(accountId);
}
