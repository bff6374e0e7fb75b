import { isDeepStrictEqual } from 'node:util'
import * as Y from 'yjs'
import { THREADS_KEY, threadProblem, type CommentMessage, type CommentThread } from '../shared/comments.ts'
import { roleAtLeast, type Role } from '../shared/protocol.ts'
import { CollabError } from './errors.ts'

/** Who sends a change to a comments doc. */
export interface CommentSender {
  authorId: string
  role: Role
}

const THREAD_ID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Keeps a comments doc honest. A CRDT alone lets anyone who can write it rewrite or delete other
 * people's messages and sign as anyone (lessons.md), so every update is first applied to a shadow
 * copy, and the threads it touched are compared before and after. An update that forges an author,
 * edits or deletes someone else's message, changes a thread's fixed fields, or writes outside
 * `threads` is refused with `forbidden`; the real doc never sees it.
 */
export class CommentGuard {
  private shadow: Y.Doc

  constructor(private readonly doc: Y.Doc) {
    this.shadow = copyOf(doc)
  }

  /** Throws `forbidden` when `sender` may not make the change `update` makes. */
  check(update: Uint8Array, sender: CommentSender): void {
    const touched = new Set<string>()
    const threads = this.shadow.getMap(THREADS_KEY)
    const collect = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
      for (const event of events) {
        if (event.target === threads) for (const key of event.changes.keys.keys()) touched.add(key)
        else touched.add(String(event.path[0]))
      }
    }
    const roots = new Set(this.shadow.share.keys())
    threads.observeDeep(collect)
    try {
      Y.applyUpdate(this.shadow, update)
    } finally {
      threads.unobserveDeep(collect)
    }
    // By induction no other root exists, so no item can land outside `threads` unless it creates one.
    const problem = [...this.shadow.share.keys()].some((key) => !roots.has(key))
      ? 'comments live in the threads map only'
      : firstProblem(touched, this.doc.getMap(THREADS_KEY), threads, sender)
    if (problem) {
      this.shadow.destroy()
      this.shadow = copyOf(this.doc)
      throw new CollabError('forbidden', problem)
    }
  }

  /** Keeps the shadow equal to the doc for changes that did not come through `check`. */
  follow(update: Uint8Array): void {
    Y.applyUpdate(this.shadow, update)
  }

  destroy(): void {
    this.shadow.destroy()
  }
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc({ gc: true })
  copy.getMap(THREADS_KEY)
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

function firstProblem(touched: Set<string>, before: Y.Map<unknown>, after: Y.Map<unknown>, sender: CommentSender): string | null {
  for (const id of touched) {
    const problem = threadChangeProblem(id, before.get(id), after.get(id), sender)
    if (problem) return `thread ${id.slice(0, 64)}: ${problem}`
  }
  return null
}

function threadChangeProblem(id: string, beforeType: unknown, afterType: unknown, sender: CommentSender): string | null {
  const moderator = roleAtLeast(sender.role, 'editor')
  const before = beforeType instanceof Y.Map ? (beforeType.toJSON() as CommentThread) : undefined
  if (afterType === undefined) {
    if (!before) return null
    const own = before.author.id === sender.authorId && before.messages.every((m) => m.author.id === sender.authorId)
    return own || moderator ? null : 'only its author or an editor may delete a thread'
  }
  if (!THREAD_ID.test(id)) return 'thread ids are 1 to 64 characters of [A-Za-z0-9_-]'
  if (!(afterType instanceof Y.Map) || !(afterType.get('messages') instanceof Y.Array)) {
    return 'a thread must be a Y.Map whose messages are a Y.Array'
  }
  const after = afterType.toJSON() as CommentThread
  const shape = threadProblem(after)
  if (shape) return shape
  if (!before) {
    if (after.author.id !== sender.authorId) return 'a new thread must carry its sender as author'
    return after.messages.every((m) => m.author.id === sender.authorId) ? null : 'a message must carry its sender as author'
  }
  for (const field of ['anchor', 'quote', 'createdAt', 'author'] as const) {
    if (!isDeepStrictEqual(before[field], after[field])) return `${field} cannot change`
  }
  return messagesProblem(before.messages, after.messages, sender, moderator)
}

function messagesProblem(before: CommentMessage[], after: CommentMessage[], sender: CommentSender, moderator: boolean): string | null {
  const previous = new Map(before.map((m) => [m.id, m]))
  const current = new Map(after.map((m) => [m.id, m]))
  for (const [id, old] of previous) {
    if (!current.has(id) && old.author.id !== sender.authorId && !moderator) return 'only its author may delete a message'
  }
  for (const [id, message] of current) {
    const old = previous.get(id)
    if (!old) {
      if (message.author.id !== sender.authorId) return 'a message must carry its sender as author'
    } else if (!isDeepStrictEqual(old, message)) {
      if (old.author.id !== sender.authorId) return 'only its author may edit a message'
      if (!isDeepStrictEqual(old.author, message.author) || old.createdAt !== message.createdAt) {
        return 'a message keeps its author and creation time'
      }
    }
  }
  return null
}
