import { randomUUID } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import type { DocumentRecord, Store } from '../../../server/store/store.ts'

/**
 * The behaviours every `Store` must have. `openStore` is called inside each test and may
 * return stores that share their data (one database schema, say): every test uses ids and
 * doc names of its own. The contract closes each store it opens.
 */
export function describeStoreContract(name: string, openStore: () => Promise<Store>): void {
  async function open(): Promise<Store> {
    const store = await openStore()
    onTestFinished(() => store.close())
    return store
  }

  describe(`${name} (Store contract)`, () => {
    it('keeps a document record, its title and its rotated links', async () => {
      const store = await open()
      const id = unique('doc')
      await store.createDocument(documentRecord(id))
      await store.setTitle(id, 'Quarterly plan')
      const rotated = { tokenHash: 'f'.repeat(64), createdAt: '2024-05-02T10:00:00.000Z' }
      await store.setLink(id, 'editor', rotated)

      expect(await store.getDocument(id)).toEqual({
        ...documentRecord(id),
        title: 'Quarterly plan',
        links: { ...documentRecord(id).links, editor: rotated },
      })
      expect(await store.getDocument(unique('missing'))).toBeUndefined()
    })

    it('rejects creating a document twice and changing one that does not exist', async () => {
      const store = await open()
      const id = unique('doc')
      const missing = unique('missing')
      await store.createDocument(documentRecord(id))
      await expect(store.createDocument(documentRecord(id))).rejects.toThrow(`document ${id} already exists`)
      await expect(store.setTitle(missing, 'x')).rejects.toThrow(`document ${missing} does not exist`)
      await expect(store.setLink(missing, 'owner', documentRecord(missing).links.owner)).rejects.toThrow(
        `document ${missing} does not exist`,
      )
      expect((await store.getDocument(id))?.title).toBe('')
    })

    it('loads a doc name that was never written as empty content', async () => {
      const store = await open()
      expect(await store.loadContent(unique('never-written'))).toEqual({ updates: [], logBytes: 0, snapshotBytes: 0 })
    })

    it('returns appended updates in call order, and they rebuild the same Yjs doc', async () => {
      const store = await open()
      const docName = unique('doc')
      const doc = new Y.Doc()
      const updates: Uint8Array[] = []
      doc.on('update', (update: Uint8Array) => updates.push(update))
      doc.getText('title').insert(0, 'Minutes')
      doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
      doc.getText('title').delete(0, 3)
      await Promise.all(updates.map((update) => store.appendUpdate(docName, update)))

      const content = await store.loadContent(docName)
      expect(content.updates.map(bytes)).toEqual(updates.map(bytes))
      expect(content.snapshotBytes).toBe(0)
      expect(content.logBytes).toBeGreaterThanOrEqual(sum(updates))
      expect(Y.encodeStateAsUpdate(rebuild(content.updates))).toEqual(Y.encodeStateAsUpdate(doc))
    })

    it('replaces the appends made before compact() with the snapshot and keeps those racing with it', async () => {
      const store = await open()
      const docName = unique('doc')
      const doc = new Y.Doc()
      const appends: Promise<void>[] = []
      const after: Uint8Array[] = []
      let compactCalled = false
      doc.on('update', (update: Uint8Array) => {
        appends.push(store.appendUpdate(docName, update))
        if (compactCalled) after.push(update)
      })
      doc.getText('title').insert(0, 'Draft')
      doc.getText('title').insert(5, ' one')
      const snapshot = Y.encodeStateAsUpdate(doc)
      const compacted = store.compact(docName, snapshot)
      compactCalled = true
      doc.getText('title').insert(9, ' two')
      doc.getText('title').insert(13, ' three')
      await Promise.all([compacted, ...appends])

      const content = await store.loadContent(docName)
      expect(content.updates.map(bytes)).toEqual([snapshot, ...after].map(bytes))
      expect(content.snapshotBytes).toBe(snapshot.length)
      expect(rebuild(content.updates).getText('title').toString()).toBe('Draft one two three')
    })

    it('keeps doc names that differ only in case apart', async () => {
      const store = await open()
      const prefix = unique('case')
      await store.appendUpdate(`${prefix}-a`, new Uint8Array([1]))
      await store.appendUpdate(`${prefix}-A`, new Uint8Array([2]))
      expect((await store.loadContent(`${prefix}-a`)).updates.map(bytes)).toEqual([[1]])
      expect((await store.loadContent(`${prefix}-A`)).updates.map(bytes)).toEqual([[2]])
    })

    it('finishes writes before releasing a doc name and serves it again on the next use', async () => {
      const store = await open()
      const docName = unique('doc')
      const appended = store.appendUpdate(docName, new Uint8Array([1]))
      await store.release(docName)
      await appended
      await store.appendUpdate(docName, new Uint8Array([2]))
      expect((await store.loadContent(docName)).updates.map(bytes)).toEqual([[1], [2]])
    })

    it('accepts concurrent writability checks', async () => {
      const store = await open()
      await Promise.all([store.checkWritable(), store.checkWritable()])
    })

    it('rejects every operation once closed', async () => {
      const store = await openStore()
      await store.close()
      await expect(store.appendUpdate('doc', new Uint8Array([1]))).rejects.toThrow('the store is closed')
      await expect(store.loadContent('doc')).rejects.toThrow('the store is closed')
      await expect(store.getDocument('doc')).rejects.toThrow('the store is closed')
      await expect(store.checkWritable()).rejects.toThrow('the store is closed')
    })
  })
}

/** A name no other test uses, so stores sharing their data do not see each other's writes. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID()}`
}

export function documentRecord(id: string): DocumentRecord {
  const link = (tokenHash: string) => ({ tokenHash, createdAt: '2024-05-01T10:00:00.000Z' })
  return {
    id,
    createdAt: '2024-05-01T10:00:00.000Z',
    title: '',
    links: {
      viewer: link('v'.repeat(64)),
      commenter: link('c'.repeat(64)),
      editor: link('e'.repeat(64)),
      owner: link('o'.repeat(64)),
    },
  }
}

export function rebuild(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  Y.transact(doc, () => {
    for (const update of updates) Y.applyUpdate(doc, update)
  })
  return doc
}

/** Plain numbers, so a Buffer and a Uint8Array holding the same bytes compare equal. */
function bytes(data: Uint8Array): number[] {
  return [...data]
}

function sum(updates: Uint8Array[]): number {
  return updates.reduce((total, update) => total + update.length, 0)
}
