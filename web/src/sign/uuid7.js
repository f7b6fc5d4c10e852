// UUIDv7 ids (RFC 9562 section 5.7), made by the page for every record a command creates:
// ids are never typed by a person. 48 bits of Unix milliseconds, then random bits.
// Written here (a dozen lines) rather than taken from npm to keep the bundle free of a
// dependency for what `crypto.getRandomValues` already gives.

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A fresh UUIDv7 in lowercase hyphenated form.
 * @param {number} [unixMs] the time it carries (now by default)
 */
export function uuidv7(unixMs = Date.now()) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Math.floor(unixMs);
  for (let idx = 5; idx >= 0; idx -= 1) {
    bytes[idx] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const hex = Array.from(bytes, (byte) => HEX[byte]).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether `text` is a UUIDv7 as the server parses it (lowercase, hyphenated). */
export function isUuidV7(text) {
  return typeof text === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(text);
}
