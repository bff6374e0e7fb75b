import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { ROLES, type Role } from '../shared/protocol.ts'
import type { DocumentRecord, LinkRecord } from './store/store.ts'

/** Bytes of randomness in a share token (>= 128 bits, as the protocol requires). */
const TOKEN_BYTES = 18

/** A fresh bearer token: 144 random bits, base64url. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

/** Tokens are stored only as their SHA-256; they are long random strings, so no salt is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function newLink(token: string, now = new Date()): LinkRecord {
  return { tokenHash: hashToken(token), createdAt: now.toISOString() }
}

/** Compares two secrets in constant time (of their hashes, so lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(hashToken(given), 'hex'), Buffer.from(hashToken(expected), 'hex'))
}

/**
 * The role a token grants on a document, or null. Compares against every link's hash in
 * constant time, so timing reveals neither which role matched nor how much of a hash did.
 */
export function roleForToken(record: DocumentRecord, token: string): Role | null {
  const candidate = Buffer.from(hashToken(token), 'hex')
  let granted: Role | null = null
  for (const role of ROLES) {
    const stored = Buffer.from(record.links[role].tokenHash, 'hex')
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate)) granted = role
  }
  return granted
}
