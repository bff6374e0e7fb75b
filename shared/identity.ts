import { digest } from 'lib0/hash/sha256'
import { toBase64UrlEncoded } from 'lib0/buffer'
import { getRandomValues } from 'lib0/webcrypto'
import { encodeUtf8 } from 'lib0/string'

/** Bytes of randomness in an identity secret (>= 128 bits). */
const SECRET_BYTES = 32

/** A new private identity secret for the handshake `auth.identity`. Keep it private. */
export function newIdentitySecret(): string {
  return toBase64UrlEncoded(getRandomValues(new Uint8Array(SECRET_BYTES)))
}

/**
 * The public author id of an identity secret: the first 16 bytes of SHA-256 of its UTF-8
 * bytes, base64url without padding (22 characters). Comment messages carry this id.
 */
export function authorIdFromSecret(secret: string): string {
  return toBase64UrlEncoded(digest(encodeUtf8(secret)).subarray(0, 16))
}
