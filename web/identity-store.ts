import { newIdentitySecret } from '../shared/identity.ts'
import { LIMITS } from '../shared/protocol.ts'
import { isString, readJson, writeJson } from './local-storage.ts'

const IDENTITY_KEY = 'collab.identity'
const NAME_KEY = 'collab.displayName'

/**
 * This browser's private identity secret, created on first use. It is sent only in the
 * Socket.IO handshake; the server derives the public author id of comments from it.
 */
export function identitySecret(): string {
  const stored = readJson(IDENTITY_KEY, isString)
  if (stored && stored.length >= 16) return stored
  const secret = newIdentitySecret()
  writeJson(IDENTITY_KEY, secret)
  return secret
}

/** The display name picked on this browser, or null before the first pick. */
export function storedDisplayName(): string | null {
  const name = readJson(NAME_KEY, isString)
  return name ? cleanDisplayName(name) || null : null
}

export function storeDisplayName(name: string): void {
  writeJson(NAME_KEY, cleanDisplayName(name))
}

/** Trimmed, single-spaced, and within the server's limit (it drops presence with longer names). */
export function cleanDisplayName(name: string): string {
  let clean = ''
  // Whole code points only, so an emoji is never cut in half at the limit.
  for (const char of name.replace(/\s+/g, ' ').trim()) {
    if (clean.length + char.length > LIMITS.maxUserNameLength) break
    clean += char
  }
  return clean.trim()
}
