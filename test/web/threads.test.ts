import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addThread, type CommentMessage, type CommentThread } from '../../shared/comments.ts'
import { authorColor, authorFor, canDeleteMessage, canDeleteThread, canEditMessage, readThreads } from '../../web/comments/threads.ts'

const ada = authorFor('ada-author-id-000000000', 'Ada')
const bob = authorFor('bob-author-id-000000000', 'Bob')
const anchor = { from: { tname: 'prosemirror', item: null, type: null, assoc: 0 }, to: { tname: 'prosemirror', item: null, type: null, assoc: 0 } }
const message = (id: string, author = ada): CommentMessage => ({ id, author, body: 'a remark', createdAt: 1_700_000_000_000 })
const thread = (...messages: CommentMessage[]): CommentThread => ({ anchor, quote: 'q', resolved: false, createdAt: 1_700_000_000_000, author: ada, messages })

describe('threads and who may change them (web/comments/threads.ts)', () => {
  it('gives an author the same color everywhere', () => {
    expect(authorColor(ada.id)).toBe(authorFor(ada.id, 'Another name').color)
    expect(ada.color).toMatch(/^#[0-9a-f]{6}$/)
  })

  it('reads well-formed threads oldest first and skips broken ones', () => {
    const doc = new Y.Doc()
    addThread(doc, 'later', { ...thread(), createdAt: 2_000_000_000_000 }, message('m2'))
    addThread(doc, 'first', thread(), message('m1'))
    doc.getMap('threads').set('broken', new Y.Map())
    expect(readThreads(doc).map((entry) => entry.id)).toEqual(['first', 'later'])
  })

  it('lets an author delete a thread only while every message in it is theirs', () => {
    const commenter = { authorId: ada.id, role: 'commenter' as const }
    expect(canDeleteThread(thread(message('m1')), commenter)).toBe(true)
    expect(canDeleteThread(thread(message('m1'), message('m2', bob)), commenter)).toBe(false)
  })

  it('lets editors moderate, and viewers change nothing', () => {
    const editor = { authorId: bob.id, role: 'editor' as const }
    const viewer = { authorId: ada.id, role: 'viewer' as const }
    expect(canDeleteThread(thread(message('m1')), editor)).toBe(true)
    expect(canDeleteMessage(message('m1'), editor)).toBe(true)
    expect(canEditMessage(message('m1'), editor)).toBe(false)
    expect(canEditMessage(message('m1'), viewer)).toBe(false)
    expect(canDeleteThread(thread(message('m1')), viewer)).toBe(false)
  })
})
