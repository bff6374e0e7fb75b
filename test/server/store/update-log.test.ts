import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino } from 'pino'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { encodeFileName } from '../../../server/store/file-name.ts'
import { encodeRecord } from '../../../server/store/record.ts'
import { UpdateLog } from '../../../server/store/update-log.ts'

const base = encodeFileName('doc')

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'update-log-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A logger whose records the test can read. */
function recordingLogger(): { logger: pino.Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = []
  const logger = pino({}, { write: (line: string) => void records.push(JSON.parse(line)) })
  return { logger, records }
}

async function openLog(dir: string, logger = recordingLogger().logger): Promise<UpdateLog> {
  const log = await UpdateLog.open(dir, base, logger)
  onTestFinished(() => log.close())
  return log
}

async function reopen(log: UpdateLog, dir: string): Promise<UpdateLog> {
  await log.close()
  return openLog(dir)
}

const file = (dir: string, generation: number, kind: 'snap' | 'log') => path.join(dir, `${base}.${generation}.${kind}`)

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values)
}

async function writeLogFile(dir: string, generation: number, payloads: Uint8Array[]): Promise<void> {
  await writeFile(file(dir, generation, 'log'), Buffer.concat(payloads.map(encodeRecord)))
}

async function writeSnapshotFile(dir: string, generation: number, payload: Uint8Array): Promise<void> {
  await writeFile(file(dir, generation, 'snap'), encodeRecord(payload))
}

/** A Yjs doc and the updates its edits produced. */
function editedDoc(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  const text = doc.getText('title')
  text.insert(0, 'Hello world')
  text.delete(5, 6)
  text.insert(5, ', store')
  doc.getMap('meta').set('pinned', true)
  return { doc, updates }
}

function rebuild(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc()
  for (const update of updates) Y.applyUpdate(doc, update)
  return doc
}

function expectSameDoc(actual: Y.Doc, expected: Y.Doc): void {
  expect(actual.getText('title').toString()).toBe(expected.getText('title').toString())
  expect(actual.getMap('meta').toJSON()).toEqual(expected.getMap('meta').toJSON())
  expect(Y.encodeStateVector(actual)).toEqual(Y.encodeStateVector(expected))
  // Equal state vectors can hide different deletions.
  expect(Y.encodeStateAsUpdate(actual)).toEqual(Y.encodeStateAsUpdate(expected))
}

describe('UpdateLog', () => {
  it('returns appended updates in call order after reopening', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    await Promise.all([log.append(bytes(1)), log.append(bytes(2, 2)), log.append(bytes(3, 3, 3))])
    await log.append(bytes(4))
    const content = await (await reopen(log, dir)).load()
    expect(content.updates).toEqual([bytes(1), bytes(2, 2), bytes(3, 3, 3), bytes(4)])
    expect(content.logBytes).toBe(4 * 8 + 7)
    expect(content.snapshotBytes).toBe(0)
  })

  it('rebuilds a Yjs doc equal to the one whose updates it stored', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    const { doc, updates } = editedDoc()
    for (const update of updates) await log.append(update)
    const content = await (await reopen(log, dir)).load()
    expectSameDoc(rebuild(content.updates), doc)
  })

  it('loads a doc name without files as empty content', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    expect(await log.load()).toEqual({ updates: [], logBytes: 0, snapshotBytes: 0 })
    expect(await readdir(dir)).toEqual([])
  })

  it('loads empty content when its directory does not exist', async () => {
    const dir = path.join(await tempDir(), 'missing')
    const log = await openLog(dir)
    expect(await log.load()).toEqual({ updates: [], logBytes: 0, snapshotBytes: 0 })
  })

  it('rejects a load that cannot read a file instead of returning empty content', async () => {
    const dir = await tempDir()
    await mkdir(file(dir, 0, 'snap'))
    const log = await openLog(dir)
    await expect(log.load()).rejects.toThrow(/EISDIR/)
  })

  it('writes a hundred appends made in the same tick with one write and one fdatasync', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    const payloads = Array.from({ length: 100 }, (_, index) => bytes(index))
    await Promise.all(payloads.map((payload) => log.append(payload)))
    expect(log.appendSyncs).toBe(1)
    expect((await log.load()).updates).toEqual(payloads)
  })

  it('stores what an update held when it was appended, not what its buffer holds later', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    const update = bytes(1, 2, 3)
    const appended = log.append(update)
    update.fill(9)
    await appended
    expect((await log.load()).updates).toEqual([bytes(1, 2, 3)])
  })

  describe('recovery', () => {
    it('drops a torn last record, truncates the file to the good records and appends after them', async () => {
      const dir = await tempDir()
      const first = await openLog(dir)
      await first.append(bytes(1, 1))
      await first.append(bytes(2, 2, 2, 2))
      await first.close()
      const goodBytes = 8 + 2
      await truncate(file(dir, 0, 'log'), goodBytes + 8 + 4 - 3)

      const { logger, records } = recordingLogger()
      const log = await openLog(dir, logger)
      expect(records).toContainEqual(expect.objectContaining({ level: 40, droppedBytes: 8 + 4 - 3 }))
      expect((await stat(file(dir, 0, 'log'))).size).toBe(goodBytes)
      await log.append(bytes(3))
      expect((await (await reopen(log, dir)).load()).updates).toEqual([bytes(1, 1), bytes(3)])
    })

    it('drops garbage after the last record', async () => {
      const dir = await tempDir()
      await writeLogFile(dir, 0, [bytes(1), bytes(2)])
      await appendFile(file(dir, 0, 'log'), Buffer.from('garbage that is not a record'))
      const log = await openLog(dir)
      await log.append(bytes(3))
      expect((await (await reopen(log, dir)).load()).updates).toEqual([bytes(1), bytes(2), bytes(3)])
    })

    it('drops a last record whose crc does not match', async () => {
      const dir = await tempDir()
      await writeLogFile(dir, 0, [bytes(1), bytes(2)])
      const data = await readFile(file(dir, 0, 'log'))
      data[data.length - 1] = 7
      await writeFile(file(dir, 0, 'log'), data)
      expect((await (await openLog(dir)).load()).updates).toEqual([bytes(1)])
    })
  })

  describe('compaction', () => {
    it('loads the snapshot followed by the appends made after it, and deletes older files', async () => {
      const dir = await tempDir()
      const log = await openLog(dir)
      await log.append(bytes(1))
      await log.append(bytes(2))
      await log.compact(bytes(1, 2))
      await log.append(bytes(3))
      expect(await log.load()).toEqual({ updates: [bytes(1, 2), bytes(3)], logBytes: 8 + 1, snapshotBytes: 2 })
      expect((await readdir(dir)).sort()).toEqual([`${base}.1.log`, `${base}.1.snap`])
      expect((await (await reopen(log, dir)).load()).updates).toEqual([bytes(1, 2), bytes(3)])
    })

    it('keeps appends made after compact() was called but before it finished', async () => {
      const dir = await tempDir()
      const log = await openLog(dir)
      const { doc, updates } = editedDoc()
      const [before, after] = [updates.slice(0, 2), updates.slice(2)]
      for (const update of before) await log.append(update)
      const compacted = log.compact(Y.encodeStateAsUpdate(rebuild(before)))
      const appended = after.map((update) => log.append(update))
      await Promise.all([compacted, ...appended])
      const content = await (await reopen(log, dir)).load()
      expect(content.updates).toHaveLength(1 + after.length)
      expectSameDoc(rebuild(content.updates), doc)
    })

    it('settles appends in call order even when a compaction puts them in different logs', async () => {
      const dir = await tempDir()
      const log = await openLog(dir)
      const settled: string[] = []
      // A large write before the compaction, a small one after it: the second would finish first.
      const before = log.append(new Uint8Array(8 * 1024 * 1024)).then(() => settled.push('before'))
      const compacted = log.compact(bytes(1))
      const after = log.append(bytes(2)).then(() => settled.push('after'))
      await Promise.all([before, compacted, after])
      expect(settled).toEqual(['before', 'after'])
    })

    it('runs compactions of one doc one after the other', async () => {
      const dir = await tempDir()
      const log = await openLog(dir)
      await log.append(bytes(1))
      const results = [log.compact(bytes(1)), log.append(bytes(2)), log.compact(bytes(1, 2)), log.append(bytes(3))]
      await Promise.all(results)
      expect((await log.load()).updates).toEqual([bytes(1, 2), bytes(3)])
      expect((await readdir(dir)).sort()).toEqual([`${base}.2.log`, `${base}.2.snap`])
    })

    it('loads everything after a crash before the new snapshot was renamed into place', async () => {
      const dir = await tempDir()
      await writeSnapshotFile(dir, 3, bytes(1))
      await writeLogFile(dir, 3, [bytes(2)])
      await writeLogFile(dir, 4, [bytes(3)])
      await writeFile(`${file(dir, 4, 'snap')}.tmp`, 'half a snapshot')
      const log = await openLog(dir)
      expect((await log.load()).updates).toEqual([bytes(1), bytes(2), bytes(3)])
      await log.append(bytes(4))
      expect((await (await reopen(log, dir)).load()).updates).toEqual([bytes(1), bytes(2), bytes(3), bytes(4)])
      expect(await readdir(dir)).not.toContain(`${base}.4.snap.tmp`)
    })

    it('loads everything after a crash before the old generation was deleted', async () => {
      const dir = await tempDir()
      await writeSnapshotFile(dir, 3, bytes(1))
      await writeLogFile(dir, 3, [bytes(2)])
      await writeSnapshotFile(dir, 4, bytes(1, 2))
      await writeLogFile(dir, 4, [bytes(3)])
      const log = await openLog(dir)
      expect((await log.load()).updates).toEqual([bytes(1, 2), bytes(3)])
      expect((await readdir(dir)).sort()).toEqual([`${base}.4.log`, `${base}.4.snap`])
    })

    it('loads every log when a crash came before the first snapshot', async () => {
      const dir = await tempDir()
      await writeLogFile(dir, 0, [bytes(1)])
      await writeLogFile(dir, 1, [bytes(2)])
      expect((await (await openLog(dir)).load()).updates).toEqual([bytes(1), bytes(2)])
    })

    it('rejects when the snapshot cannot be written and still loads everything', async () => {
      const dir = await tempDir()
      const log = await openLog(dir)
      await log.append(bytes(1))
      // A directory where the snapshot's temporary file goes makes writing it fail.
      await mkdir(`${file(dir, 1, 'snap')}.tmp`)
      const compacted = log.compact(bytes(1))
      const appended = log.append(bytes(2))
      await expect(compacted).rejects.toThrow(/EISDIR/)
      await appended
      expect((await log.load()).updates).toEqual([bytes(1), bytes(2)])
      await log.close()
      await rm(`${file(dir, 1, 'snap')}.tmp`, { recursive: true })
      expect((await (await openLog(dir)).load()).updates).toEqual([bytes(1), bytes(2)])
    })
  })

  it('rejects appends and compactions once closed', async () => {
    const dir = await tempDir()
    const log = await openLog(dir)
    await log.close()
    await expect(log.append(bytes(1))).rejects.toThrow(/closed/)
    await expect(log.compact(bytes(1))).rejects.toThrow(/closed/)
  })
})
