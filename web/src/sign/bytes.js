// Byte helpers the signing code needs: padded standard base64 (the server's text form of
// keys and signatures), lowercase hex, UTF-8 and SHA-256.

/** @param {Uint8Array} bytes */
export function toBase64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** @param {string} text */
export function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** @param {Uint8Array} bytes */
export function toHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function utf8(text) {
  return new TextEncoder().encode(text);
}

/** Lowercase hex SHA-256 of the UTF-8 of `text`. */
export async function sha256Hex(text) {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/** `count` random bytes as lowercase hex. */
export function randomHex(count) {
  const bytes = new Uint8Array(count);
  crypto.getRandomValues(bytes);
  return toHex(bytes);
}
