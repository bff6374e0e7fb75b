import { uuidv4 } from 'lib0/random'
import type * as Y from 'yjs'
import { threadProblem, threadsOf, type CommentAuthor, type CommentMessage, type CommentThread } from '../../shared/comments.ts'
import { roleAtLeast, type Role } from '../../shared/protocol.ts'
import { PALETTE } from '../colors.ts'

export interface ThreadEntry {
  id: string
  thread: CommentThread
}

/** Who is commenting: the public author id the server checks, and the role of the link. */
export interface Commenter {
  authorId: string
  role: Role | null
}

/** Every well-formed thread, oldest first (the server refuses malformed ones; this only guards the rendering). */
export function readThreads(doc: Y.Doc): ThreadEntry[] {
  const entries: ThreadEntry[] = []
  for (const [id, map] of threadsOf(doc).entries()) {
    const thread = map.toJSON() as CommentThread
    if (threadProblem(thread) === null) entries.push({ id, thread })
  }
  return entries.sort((a, b) => a.thread.createdAt - b.thread.createdAt || (a.id < b.id ? -1 : 1))
}

/** A new thread or message id. */
export function newId(): string {
  return uuidv4()
}

/**
 * A color for an author that stays the same in every thread and on every device (presence
 * colors are picked per session, so they would change between messages of one person).
 */
export function authorColor(authorId: string): string {
  let hash = 0
  for (const char of authorId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return PALETTE[hash % PALETTE.length]!
}

export function authorFor(authorId: string, name: string): CommentAuthor {
  return { id: authorId, name, color: authorColor(authorId) }
}

export function canComment(who: Commenter): boolean {
  return who.role !== null && roleAtLeast(who.role, 'commenter')
}

function moderates(who: Commenter): boolean {
  return who.role !== null && roleAtLeast(who.role, 'editor')
}

/** The server's rule: a thread goes with its author when every message in it is theirs, or with an editor. */
export function canDeleteThread(thread: CommentThread, who: Commenter): boolean {
  if (!canComment(who)) return false
  const own = thread.author.id === who.authorId && thread.messages.every((message) => message.author.id === who.authorId)
  return own || moderates(who)
}

export function canEditMessage(message: CommentMessage, who: Commenter): boolean {
  return canComment(who) && message.author.id === who.authorId
}

export function canDeleteMessage(message: CommentMessage, who: Commenter): boolean {
  return canComment(who) && (message.author.id === who.authorId || moderates(who))
}
