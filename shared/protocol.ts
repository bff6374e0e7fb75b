/**
 * Wire protocol v1: event names, payload types, error codes and limits shared by
 * the server and every client. The prose contract is `docs/protocol.md`.
 */

export const PROTOCOL_VERSION = 1

/** The Socket.IO namespace every collaboration socket connects to. */
export const COLLAB_NAMESPACE = '/collab'

/** The Socket.IO namespace that streams the server's figures (`metrics` events) to holders of the admin token. */
export const ADMIN_NAMESPACE = '/admin'

export const ROLES = ['viewer', 'commenter', 'editor', 'owner'] as const
export type Role = (typeof ROLES)[number]

/** True when `role` grants at least what `required` grants. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required)
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

export const ERROR_CODES = [
  'bad-request',
  'not-found',
  'forbidden',
  'invalid-update',
  'too-large',
  'rate-limited',
  'unavailable',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorReply {
  ok: false
  code: ErrorCode
  message: string
}

export interface JoinSuccess {
  ok: true
  role: Role
  /** Everything the client lacks: `Y.encodeStateAsUpdate(serverDoc, clientStateVector)`, or its V2 form if the join asked for v2. */
  update: Uint8Array
  /** The server's state vector; every update it covers is durably stored. */
  stateVector: Uint8Array
}
export type JoinReply = JoinSuccess | ErrorReply

/** Yjs's two update encodings: v1 (`Y.applyUpdate`) and v2 (`Y.applyUpdateV2`), about half the size for big docs. */
export type UpdateFormat = 'v1' | 'v2'

/** The optional fourth argument of `join`. */
export interface JoinOptions {
  /** The encoding of the successful reply's `update`; 'v1' by default. Relayed updates are always v1. */
  updateFormat?: UpdateFormat
}

export type OkReply = { ok: true } | ErrorReply

export type Ack<T> = (reply: T) => void

/** Events a client emits. The doc name always comes first. */
export interface ClientToServerEvents {
  join: (
    ...args:
      | [name: string, token: string, stateVector: Uint8Array, ack: Ack<JoinReply>]
      | [name: string, token: string, stateVector: Uint8Array, options: JoinOptions, ack: Ack<JoinReply>]
  ) => void
  update: (name: string, update: Uint8Array, ack?: Ack<OkReply>) => void
  awareness: (name: string, update: Uint8Array) => void
  leave: (name: string, ack?: Ack<OkReply>) => void
}

export interface RevokedNotice {
  code: ErrorCode
  message: string
}

/** Events the server emits. Binary arrives as `Buffer` in Node, `ArrayBuffer`-backed `Uint8Array` in browsers. */
export interface ServerToClientEvents {
  update: (name: string, update: Uint8Array) => void
  awareness: (name: string, update: Uint8Array) => void
  revoked: (name: string, notice: RevokedNotice) => void
}

/** The handshake `auth` object. */
export interface HandshakeAuth {
  /** Private per-browser secret (>= 128 random bits); the server derives the public author id from it. */
  identity?: string
}

/** A document id: URL-safe, 1..64 characters. */
export const DOCUMENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Suffix of the doc name that holds a document's comment threads. */
export const COMMENTS_SUFFIX = '/comments'

export type DocKind = 'content' | 'comments'

export interface DocAddress {
  /** The document id. */
  id: string
  kind: DocKind
}

/** Parses a doc name (`<id>` or `<id>/comments`); null when it is not one. */
export function parseDocName(name: unknown): DocAddress | null {
  if (typeof name !== 'string' || name.length > 64 + COMMENTS_SUFFIX.length) return null
  const kind: DocKind = name.endsWith(COMMENTS_SUFFIX) ? 'comments' : 'content'
  const id = kind === 'comments' ? name.slice(0, -COMMENTS_SUFFIX.length) : name
  return DOCUMENT_ID_PATTERN.test(id) ? { id, kind } : null
}

export function commentsDocName(id: string): string {
  return id + COMMENTS_SUFFIX
}

/** The role a socket needs to write a doc of this kind. */
export function writeRoleFor(kind: DocKind): Role {
  return kind === 'content' ? 'editor' : 'commenter'
}

/** Bounds every conforming client and server keep to. */
export const LIMITS = {
  /** Longest token string accepted anywhere. */
  maxTokenLength: 256,
  /** Longest identity secret accepted in the handshake. */
  maxIdentityLength: 256,
  /** Longest state vector a join may carry, in bytes. */
  maxStateVectorBytes: 64 * 1024,
  /** Largest awareness update accepted, in bytes. */
  maxAwarenessBytes: 16 * 1024,
  /** Largest single awareness state (its JSON), in characters. */
  maxAwarenessStateLength: 4 * 1024,
  /** Longest `user.name` in an awareness state. */
  maxUserNameLength: 64,
  /** Awareness client IDs one socket may claim per document. */
  maxAwarenessClientsPerSocket: 8,
} as const

/** The default limit on one update, in bytes (`MAX_UPDATE_BYTES` on the server). */
export const DEFAULT_MAX_UPDATE_BYTES = 8 * 1024 * 1024

/** `#rrggbb`, the only color form presence may carry. */
export const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/

/** HTTP payloads. */
export interface CreateDocumentResponse {
  id: string
  /** One share link per role, as paths with the token in the fragment: `/d/<id>#token=<token>`. */
  links: Record<Role, string>
}

export interface DocumentInfoResponse {
  id: string
  title: string
  role: Role
  createdAt: string
}

export interface RotateLinkResponse {
  role: Role
  link: string
}

export interface HttpErrorResponse {
  error: { code: ErrorCode; message: string }
}

/** Builds the share link for a document and token. */
export function shareLink(id: string, token: string): string {
  return `/d/${id}#token=${token}`
}
