import * as Y from 'yjs'
import { COLOR_PATTERN, LIMITS } from './protocol.ts'

/**
 * The comments doc (`<id>/comments`): a `Y.Map` named `threads`, thread id -> `Y.Map` with the
 * fields of `CommentThread`, its `messages` a `Y.Array` of `CommentMessage` objects. This module
 * is the one definition of that shape; the server checks every change against it.
 */
export const THREADS_KEY = 'threads'

export interface CommentAuthor {
  /** The public author id (see identity.ts). */
  id: string
  name: string
  /** `#rrggbb` */
  color: string
}

export interface CommentMessage {
  id: string
  author: CommentAuthor
  body: string
  /** Milliseconds since the epoch. */
  createdAt: number
  editedAt?: number
}

/** `Y.relativePositionToJSON` form of a position in the content doc's `prosemirror` fragment. */
export type RelativePositionJSON = Record<string, unknown>

export interface CommentThread {
  anchor: { from: RelativePositionJSON; to: RelativePositionJSON }
  /** The commented text when the thread was opened. */
  quote: string
  resolved: boolean
  createdAt: number
  author: CommentAuthor
  messages: CommentMessage[]
}

export const COMMENT_LIMITS = {
  maxBodyLength: 10_000,
  maxQuoteLength: 2_000,
  maxIdLength: 64,
  maxMessagesPerThread: 1_000,
} as const

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Why `value` is not a valid author, or null. */
export function authorProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'an author must be an object'
  if (typeof value.id !== 'string' || !ID_PATTERN.test(value.id)) return 'an author needs an id'
  if (typeof value.name !== 'string' || value.name.length === 0 || value.name.length > LIMITS.maxUserNameLength) {
    return `an author needs a name of 1 to ${LIMITS.maxUserNameLength} characters`
  }
  if (typeof value.color !== 'string' || !COLOR_PATTERN.test(value.color)) return 'an author color must be #rrggbb'
  return null
}

/** Why `value` is not a valid message, or null. */
export function messageProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'a message must be an object'
  if (typeof value.id !== 'string' || !ID_PATTERN.test(value.id)) return 'a message needs an id'
  const author = authorProblem(value.author)
  if (author) return author
  if (typeof value.body !== 'string' || value.body.trim() === '' || value.body.length > COMMENT_LIMITS.maxBodyLength) {
    return `a message body must hold 1 to ${COMMENT_LIMITS.maxBodyLength} characters`
  }
  if (!isTime(value.createdAt)) return 'a message needs createdAt'
  if (value.editedAt !== undefined && !isTime(value.editedAt)) return 'editedAt must be a time'
  const known = new Set(['id', 'author', 'body', 'createdAt', 'editedAt'])
  if (Object.keys(value).some((key) => !known.has(key))) return 'a message has unknown fields'
  return null
}

/** Why `value` (a thread as JSON) is not a valid thread, or null. */
export function threadProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'a thread must be a map'
  const anchor = value.anchor
  if (!isRecord(anchor) || !isRecord(anchor.from) || !isRecord(anchor.to)) return 'a thread needs an anchor { from, to }'
  if (JSON.stringify(anchor).length > 1_000) return 'the anchor is too large'
  if (typeof value.quote !== 'string' || value.quote.length > COMMENT_LIMITS.maxQuoteLength) return 'a thread needs a quote'
  if (typeof value.resolved !== 'boolean') return 'resolved must be a boolean'
  if (!isTime(value.createdAt)) return 'a thread needs createdAt'
  const author = authorProblem(value.author)
  if (author) return author
  if (!Array.isArray(value.messages)) return 'a thread needs messages'
  if (value.messages.length > COMMENT_LIMITS.maxMessagesPerThread) return 'too many messages in one thread'
  const ids = new Set<string>()
  for (const message of value.messages) {
    const problem = messageProblem(message)
    if (problem) return problem
    const id = (message as CommentMessage).id
    if (ids.has(id)) return `message id ${id} appears twice`
    ids.add(id)
  }
  const known = new Set(['anchor', 'quote', 'resolved', 'createdAt', 'author', 'messages'])
  if (Object.keys(value).some((key) => !known.has(key))) return 'a thread has unknown fields'
  return null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
}

/** The threads map of a comments doc. */
export function threadsOf(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(THREADS_KEY)
}

/** Opens a thread whose first message is `message`. */
export function addThread(doc: Y.Doc, id: string, thread: Omit<CommentThread, 'messages'>, message: CommentMessage): void {
  doc.transact(() => {
    const map = new Y.Map<unknown>()
    for (const [key, value] of Object.entries(thread)) map.set(key, value)
    const messages = new Y.Array<CommentMessage>()
    messages.push([message])
    map.set('messages', messages)
    threadsOf(doc).set(id, map)
  })
}

function messagesOf(doc: Y.Doc, threadId: string): Y.Array<CommentMessage> {
  const messages = threadsOf(doc).get(threadId)?.get('messages')
  if (!(messages instanceof Y.Array)) throw new RangeError(`no thread ${threadId}`)
  return messages as Y.Array<CommentMessage>
}

export function addMessage(doc: Y.Doc, threadId: string, message: CommentMessage): void {
  messagesOf(doc, threadId).push([message])
}

/** Replaces a message's body (a message is a plain object: it is swapped for an edited copy). */
export function editMessage(doc: Y.Doc, threadId: string, messageId: string, body: string, now = Date.now()): void {
  const messages = messagesOf(doc, threadId)
  const index = messages.toArray().findIndex((m) => m.id === messageId)
  if (index < 0) throw new RangeError(`no message ${messageId}`)
  doc.transact(() => {
    const edited = { ...messages.get(index), body, editedAt: now }
    messages.delete(index, 1)
    messages.insert(index, [edited])
  })
}

export function deleteMessage(doc: Y.Doc, threadId: string, messageId: string): void {
  const messages = messagesOf(doc, threadId)
  const index = messages.toArray().findIndex((m) => m.id === messageId)
  if (index >= 0) messages.delete(index, 1)
}

export function setResolved(doc: Y.Doc, threadId: string, resolved: boolean): void {
  threadsOf(doc).get(threadId)?.set('resolved', resolved)
}

export function deleteThread(doc: Y.Doc, threadId: string): void {
  threadsOf(doc).delete(threadId)
}
