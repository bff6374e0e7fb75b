import { ROLES, isRole, roleAtLeast, type Role } from '../shared/protocol.ts'
import { readJson, writeJson } from './local-storage.ts'

/** What this browser knows about one document. Local only: nothing here is sent anywhere. */
export interface KnownDocument {
  id: string
  /** The title when it was last seen here. */
  title: string
  /** The tokens of the share links this browser has seen, by role. */
  tokens: Partial<Record<Role, string>>
  /** The highest role a token here was granted, once the server said so. */
  role: Role | null
  /** When it was last opened here, in ms since the epoch. */
  openedAt: number
}

const KEY = 'collab.documents'
/** Older documents fall off the list beyond this many. */
const MAX_DOCUMENTS = 50

function isKnownDocument(value: unknown): value is KnownDocument {
  if (typeof value !== 'object' || value === null) return false
  const doc = value as Partial<KnownDocument>
  return (
    typeof doc.id === 'string' &&
    typeof doc.title === 'string' &&
    typeof doc.openedAt === 'number' &&
    (doc.role === null || isRole(doc.role)) &&
    typeof doc.tokens === 'object' &&
    doc.tokens !== null &&
    Object.entries(doc.tokens).every(([role, token]) => isRole(role) && typeof token === 'string')
  )
}

function isDocumentList(value: unknown): value is KnownDocument[] {
  return Array.isArray(value) && value.every(isKnownDocument)
}

/** Known documents, most recently opened first. */
export function knownDocuments(): KnownDocument[] {
  return (readJson(KEY, isDocumentList) ?? []).sort((a, b) => b.openedAt - a.openedAt)
}

export function knownDocument(id: string): KnownDocument | null {
  return knownDocuments().find((doc) => doc.id === id) ?? null
}

/** Merges what was just learned about a document into what this browser knows. */
export function rememberDocument(id: string, update: { title?: string; tokens?: Partial<Record<Role, string>>; role?: Role; opened?: boolean }): KnownDocument {
  const all = knownDocuments()
  const existing = all.find((doc) => doc.id === id)
  const doc: KnownDocument = existing ?? { id, title: '', tokens: {}, role: null, openedAt: Date.now() }
  if (update.title !== undefined) doc.title = update.title
  if (update.tokens) doc.tokens = { ...doc.tokens, ...update.tokens }
  if (update.role && (!doc.role || roleAtLeast(update.role, doc.role))) doc.role = update.role
  if (update.opened) doc.openedAt = Date.now()
  const rest = all.filter((other) => other.id !== id)
  writeJson(KEY, [doc, ...rest].slice(0, MAX_DOCUMENTS))
  return doc
}

export function forgetDocument(id: string): void {
  writeJson(KEY, knownDocuments().filter((doc) => doc.id !== id))
}

/** The strongest token this browser holds for a document, for opening it from the list. */
export function bestToken(doc: KnownDocument): string | null {
  for (const role of [...ROLES].reverse()) {
    const token = doc.tokens[role]
    if (token) return token
  }
  return null
}
