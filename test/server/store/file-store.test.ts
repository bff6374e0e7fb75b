import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { CONTENT_DIR_NAME, openFileStore } from '../../../server/store/file-store.ts'
import { tempDir } from '../../helpers.ts'
import { describeStoreContract, documentRecord } from './store-contract.ts'
import { LOCK_FILE_NAME } from '../../../server/store/data-dir-lock.ts'
import { decodeFileName } from '../../../server/store/file-name.ts'
import type { Store } from '../../../server/store/store.ts'

const silent = pino({ level: 'silent' })

async function openStore(dataDir: string): Promise<Store> {
  const store = await openFileStore({ dataDir, logger: silent })
  onTestFinished(() => store.close())
  return store
}

async function reopen(store: Store, dataDir: string): Promise<Store> {
  await store.close()
  return openStore(dataDir)
}


/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
}

/** Waits for every promise to settle and expects each one to have rejected with `pattern`. */
async function expectAllRejected(pattern: RegExp, promises: Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(promises)) {
    expect(result.status).toBe('rejected')
    expect(String((result as PromiseRejectedResult).reason)).toMatch(pattern)
  }
}

function rebuild(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

describe('openFileStore', () => {
  it('returns appended updates in order after reopening, and they rebuild the same Yjs doc', async () => {
    const dataDir = await tempDir()
    const store = await openStore(dataDir)
    const doc = new Y.Doc()
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => updates.push(update))
    doc.getText('title').insert(0, 'Minutes')
    doc.getXmlFragment('prosemirror').insert(0, [new Y.XmlElement('paragraph')])
    doc.getText('title').delete(0, 3)
    await Promise.all(updates.map((update) => store.appendUpdate('doc', update)))

    const content = await (await reopen(store, dataDir)).loadContent('doc')
    expect(content.updates).toEqual(updates)
    expect(Y.encodeStateAsUpdate(rebuild(content.updates))).toEqual(Y.encodeStateAsUpdate(doc))
  })

  it('creates a missing DATA_DIR', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data')
    const store = await openStore(dataDir)
    await store.appendUpdate('doc', new Uint8Array([1]))
    expect((await store.loadContent('doc')).updates).toEqual([new Uint8Array([1])])
  })

  it('loads a document that was never written as empty content', async () => {
    const store = await openStore(await tempDir())
    expect(await store.loadContent('never-written')).toEqual({ updates: [], logBytes: 0, snapshotBytes: 0 })
  })

  it('loads the snapshot and the appends made after compaction', async () => {
    const dataDir = await tempDir()
    const store = await openStore(dataDir)
    const doc = new Y.Doc()
    const appends: Promise<void>[] = []
    doc.on('update', (update: Uint8Array) => appends.push(store.appendUpdate('doc', update)))
    doc.getText('title').insert(0, 'Draft')
    const compacted = store.compact('doc', Y.encodeStateAsUpdate(doc))
    doc.getText('title').insert(5, ' two')
    await Promise.all([compacted, ...appends])

    const content = await (await reopen(store, dataDir)).loadContent('doc')
    expect(content.updates).toHaveLength(2)
    expect(content.snapshotBytes).toBe(content.updates[0]!.length)
    expect(rebuild(content.updates).getText('title').toString()).toBe('Draft two')
  })

  it('keeps doc names that differ only in case apart', async () => {
    const store = await openStore(await tempDir())
    await store.appendUpdate('a', new Uint8Array([1]))
    await store.appendUpdate('A', new Uint8Array([2]))
    expect((await store.loadContent('a')).updates).toEqual([new Uint8Array([1])])
    expect((await store.loadContent('A')).updates).toEqual([new Uint8Array([2])])
  })

  it('keeps the files of every doc name inside DATA_DIR/content, whatever the name', async () => {
    const outer = await tempDir()
    const dataDir = path.join(outer, 'data')
    const store = await openStore(dataDir)
    const names = ['../x', '../../etc/passwd', 'a/comments', '/abs', '100%', '%2e%2e', '.', '..', 'ünïcödé 文档']
    for (const [index, name] of names.entries()) await store.appendUpdate(name, new Uint8Array([index]))
    for (const [index, name] of names.entries()) {
      expect((await store.loadContent(name)).updates).toEqual([new Uint8Array([index])])
    }
    const files = await filesUnder(outer)
    const logs = files.filter((file) => file.endsWith('.log'))
    expect(files.filter((file) => !logs.includes(file))).toEqual([path.join('data', LOCK_FILE_NAME)])
    expect(logs.every((file) => path.dirname(file) === path.join('data', CONTENT_DIR_NAME))).toBe(true)
    expect(logs.map((file) => decodeFileName(path.basename(file).split('.')[0]!)).sort()).toEqual([...names].sort())
  })

  it('keeps document records across reopening', async () => {
    const dataDir = await tempDir()
    const store = await openStore(dataDir)
    await store.createDocument(documentRecord('doc-1'))
    await store.setTitle('doc-1', 'Quarterly plan')
    const rotated = { tokenHash: 'f'.repeat(64), createdAt: '2024-05-02T10:00:00.000Z' }
    await store.setLink('doc-1', 'editor', rotated)

    const reopened = await reopen(store, dataDir)
    expect(await reopened.getDocument('doc-1')).toEqual({
      ...documentRecord('doc-1'),
      title: 'Quarterly plan',
      links: { ...documentRecord('doc-1').links, editor: rotated },
    })
    expect(await reopened.getDocument('doc-2')).toBeUndefined()
  })

  it('rejects creating a document twice and changing one that does not exist', async () => {
    const store = await openStore(await tempDir())
    await store.createDocument(documentRecord('doc-1'))
    await expect(store.createDocument(documentRecord('doc-1'))).rejects.toThrow('document doc-1 already exists')
    await expect(store.setTitle('doc-2', 'x')).rejects.toThrow('document doc-2 does not exist')
    expect((await store.getDocument('doc-1'))?.title).toBe('')
  })

  it('refuses a second store on the same DATA_DIR until the first one is closed', async () => {
    const dataDir = await tempDir()
    const store = await openStore(dataDir)
    await expect(openFileStore({ dataDir, logger: silent })).rejects.toThrow(
      `DATA_DIR ${dataDir} is in use by another server process (pid ${process.pid})`,
    )
    await store.close()
    await openStore(dataDir)
  })

  it('finishes writes before releasing a doc name and opens it again on the next use', async () => {
    const store = await openStore(await tempDir())
    const appended = store.appendUpdate('doc', new Uint8Array([1]))
    await store.release('doc')
    await appended
    await store.appendUpdate('doc', new Uint8Array([2]))
    expect((await store.loadContent('doc')).updates).toEqual([new Uint8Array([1]), new Uint8Array([2])])
  })

  it('checks that DATA_DIR is writable without leaving a file behind', async () => {
    const dataDir = await tempDir()
    const store = await openStore(dataDir)
    await Promise.all([store.checkWritable(), store.checkWritable()])
    expect(await readdir(dataDir)).not.toContain('.healthcheck')
  })

  it('rejects every operation once closed', async () => {
    const store = await openStore(await tempDir())
    await store.close()
    await expect(store.appendUpdate('doc', new Uint8Array([1]))).rejects.toThrow('the store is closed')
    await expect(store.loadContent('doc')).rejects.toThrow('the store is closed')
    await expect(store.getDocument('doc')).rejects.toThrow('the store is closed')
    await expect(store.checkWritable()).rejects.toThrow('the store is closed')
  })
})

describe('openFileStore on a full disk', () => {
  let mount: { dir: string } | { reason: string }

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'file-store-tmpfs-'))
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir], { stdio: 'pipe' })
      mount = { dir }
    } catch (error) {
      await rm(dir, { recursive: true })
      mount = { reason: String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n')[0]! }
    }
  })

  afterAll(async () => {
    if (!('dir' in mount)) return
    execFileSync('umount', [mount.dir])
    await rm(mount.dir, { recursive: true })
  })

  /** Writes a filler file until the disk is full; deleting it frees the space again. */
  async function fillDisk(dir: string): Promise<() => Promise<void>> {
    const file = path.join(dir, 'filler')
    const handle = await open(file, 'w')
    try {
      for (;;) await handle.write(Buffer.alloc(4096, 1))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    } finally {
      await handle.close()
    }
    return () => rm(file)
  }

  it('rejects writes on a full disk, then holds exactly the appends it acknowledged', async (context) => {
    if ('reason' in mount) {
      if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs: ${mount.reason}`)
      console.log(`skipping the full disk test: cannot mount a tmpfs (${mount.reason})`)
      context.skip()
      return
    }
    const dataDir = path.join(mount.dir, 'data')
    const store = await openStore(dataDir)
    const acknowledged = [randomBytes(50)]
    await store.appendUpdate('doc', acknowledged[0]!)

    let freeSpace = await fillDisk(mount.dir)
    // One write for both: the first update fits in the log's last block, the second does not.
    await expectAllRejected(/ENOSPC/, [
      store.appendUpdate('doc', randomBytes(50)),
      store.appendUpdate('doc', randomBytes(16 * 1024)),
    ])
    await expect(store.checkWritable()).rejects.toThrow(/ENOSPC/)
    await freeSpace()
    acknowledged.push(randomBytes(50))
    await store.appendUpdate('doc', acknowledged[1]!)
    await store.checkWritable()

    freeSpace = await fillDisk(mount.dir)
    // Here no write follows the failed one in that log: closing the log the compaction
    // retires must cut off what the failed write left.
    await expectAllRejected(/ENOSPC/, [
      store.appendUpdate('doc', randomBytes(50)),
      store.appendUpdate('doc', randomBytes(16 * 1024)),
      store.compact('doc', randomBytes(16 * 1024)),
    ])
    await freeSpace()
    acknowledged.push(randomBytes(50))
    await store.appendUpdate('doc', acknowledged[2]!)

    const content = await (await reopen(store, dataDir)).loadContent('doc')
    expect(content.updates.map((update) => Buffer.from(update))).toEqual(acknowledged)
  })
})

describeStoreContract('the file store', async () => openFileStore({ dataDir: await tempDir(), logger: silent }))
