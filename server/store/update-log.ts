import { open, readdir, readFile, rename, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { crc32 } from 'node:zlib'
import type { Logger } from 'pino'
import type { StoredContent } from './store.ts'

// The files of one doc name, `<base>` being its encoded name, are `<base>.<gen>.snap` and
// `<base>.<gen>.log`. Its content is the snapshot of the highest generation g that has one
// (none: empty) followed by every log of generation >= g, in generation order. Compaction
// moves appends to log g+1 at once, then renames a snapshot into place as `<base>.<g+1>.snap`,
// so a crash at any step leaves files that still describe everything acknowledged.

const HEADER_BYTES = 8
const FILE_PATTERN = /^(0|[1-9]\d*)\.(snap|log)(\.tmp)?$/

/** Frames a payload as one record: `[u32 LE payload length][u32 LE crc32 of payload][payload]`. */
export function encodeRecord(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  record.writeUInt32LE(payload.length, 0)
  record.writeUInt32LE(crc32(payload), 4)
  record.set(payload, HEADER_BYTES)
  return record
}

/** The records in `data[0, limit)`, up to the first one that is incomplete or fails its crc. */
function decodeRecords(data: Buffer, limit = data.length): { records: Uint8Array[]; goodBytes: number } {
  const records: Uint8Array[] = []
  let offset = 0
  while (offset + HEADER_BYTES <= limit) {
    const length = data.readUInt32LE(offset)
    const end = offset + HEADER_BYTES + length
    if (end > limit) break
    const payload = new Uint8Array(data.buffer, data.byteOffset + offset + HEADER_BYTES, length)
    if (crc32(payload) !== data.readUInt32LE(offset + 4)) break
    records.push(payload)
    offset = end
  }
  return { records, goodBytes: offset }
}

/**
 * The snapshot and update logs of one doc name. Appends are durable when they resolve;
 * `load` and `compact` run one at a time. Only one instance may exist per doc name, since
 * opening one repairs the files.
 */
export class UpdateLog {
  /** fdatasync calls made for appends, so tests can check that appends are grouped. */
  appendSyncs = 0
  private writer: LogFile
  // Loads and compactions, one after the other: a load must not list files that a
  // compaction is deleting.
  private maintenance: Promise<unknown> = Promise.resolve()
  private closed = false

  private constructor(
    private readonly dir: string,
    private readonly base: string,
    private generation: number,
    durableBytes: number,
    logExists: boolean,
  ) {
    this.writer = this.createWriter(generation, durableBytes, logExists)
  }

  /**
   * Opens the files of `base` in `dir`: deletes generations a snapshot made obsolete and
   * unfinished snapshots, and truncates a log at its first torn record, with a warning.
   */
  static async open(dir: string, base: string, logger: Logger): Promise<UpdateLog> {
    const layout = await scan(dir, base)
    await Promise.all(layout.obsolete.map((file) => rm(path.join(dir, file), { force: true })))
    const generation = Math.max(layout.snapshot ?? 0, ...layout.logs)
    let durableBytes = 0
    for (const logGeneration of layout.logs) {
      const kept = await repairLog(path.join(dir, fileName(base, logGeneration, 'log')), logger)
      if (logGeneration === generation) durableBytes = kept
    }
    return new UpdateLog(dir, base, generation, durableBytes, layout.logs.includes(generation))
  }

  /** Appends one update to the current log; resolves once it is on disk. */
  append(update: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`update log ${this.base} is closed`))
    return this.writer.append(update)
  }

  /**
   * Reads the snapshot and every log record acknowledged so far. Rejects on any read error;
   * a doc name without files has empty content.
   */
  load(): Promise<StoredContent> {
    return this.serialize(async () => {
      // A compaction started during the load moves appends to a later generation; this
      // load stops at the one that was current when it began.
      const generation = this.generation
      const durableBytes = this.writer.durableBytes
      const layout = await scan(this.dir, this.base)
      const content: StoredContent = { updates: [], logBytes: 0, snapshotBytes: 0 }
      if (layout.snapshot !== undefined) {
        const snapshot = await this.readSnapshot(layout.snapshot)
        content.updates.push(snapshot)
        content.snapshotBytes = snapshot.length
      }
      for (const logGeneration of layout.logs.filter((g) => g <= generation)) {
        const data = await readFile(this.path(logGeneration, 'log'))
        // Past `durableBytes` the current log may hold a write still in flight. An older log
        // may end with the remains of a failed write, which the crc check drops.
        const limit = logGeneration === generation ? durableBytes : data.length
        const { records, goodBytes } = decodeRecords(data, limit)
        content.updates.push(...records)
        content.logBytes += goodBytes
      }
      return content
    })
  }

  /**
   * Replaces everything appended before this call with `snapshot`. Appends made from the
   * moment it is called go to the next generation's log, so they are kept after it.
   */
  compact(snapshot: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`update log ${this.base} is closed`))
    const retired = this.writer
    const generation = ++this.generation
    this.writer = this.createWriter(generation, 0, false, retired.settled())
    return this.serialize(async () => {
      try {
        await this.writeSnapshot(generation, snapshot)
      } finally {
        // Its pending appends are in the snapshot, but an acknowledged append must not be
        // written to a file that is about to be deleted.
        await retired.close()
      }
      const layout = await scan(this.dir, this.base)
      await Promise.all(layout.obsolete.map((file) => rm(path.join(this.dir, file), { force: true })))
    })
  }

  /** Waits for pending appends, loads and compactions, then closes the log file. */
  close(): Promise<void> {
    this.closed = true
    return this.serialize(() => this.writer.close())
  }

  private createWriter(generation: number, durableBytes: number, exists: boolean, after?: Promise<void>): LogFile {
    const onSync = () => this.appendSyncs++
    return new LogFile(this.path(generation, 'log'), durableBytes, exists, onSync, after ?? Promise.resolve())
  }

  private async readSnapshot(generation: number): Promise<Uint8Array> {
    const file = this.path(generation, 'snap')
    const data = await readFile(file)
    const { records, goodBytes } = decodeRecords(data)
    // A snapshot is renamed into place only after it was synced, so damage is not a torn
    // write that can be dropped: the state it holds would be lost.
    if (records.length !== 1 || goodBytes !== data.length) throw new Error(`snapshot ${file} is corrupt`)
    return records[0]!
  }

  private async writeSnapshot(generation: number, snapshot: Uint8Array): Promise<void> {
    const file = this.path(generation, 'snap')
    const temporary = `${file}.tmp`
    try {
      await withFile(temporary, 'w', async (handle) => {
        await writeFully(handle, encodeRecord(snapshot))
        await handle.sync()
      })
      await rename(temporary, file)
    } catch (error) {
      // Left behind, it would only be deleted by the next open.
      await rm(temporary, { force: true }).catch(() => undefined)
      throw error
    }
    await fsyncPath(this.dir)
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.maintenance.then(task)
    this.maintenance = result.catch(() => undefined)
    return result
  }

  private path(generation: number, kind: 'snap' | 'log'): string {
    return path.join(this.dir, fileName(this.base, generation, kind))
  }
}

interface PendingAppend {
  record: Buffer
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * One append-only log file with group commit: while a write and its fdatasync are in
 * flight, appends queue up, and the whole queue then goes out in one write and one sync.
 */
class LogFile {
  private queue: PendingAppend[] = []
  private flushing: Promise<void> | undefined
  private handle: Promise<FileHandle> | undefined
  // Set while the file may hold bytes after `durableBytes`: a failed write left part of a
  // batch whose appends were rejected. They are cut off before the next write.
  private dirtyTail = false
  private closed = false

  constructor(
    private readonly file: string,
    /** Bytes of whole records known to be on disk. */
    public durableBytes: number,
    private exists: boolean,
    private readonly onSync: () => void,
    /** Settles once the appends of the log this one replaces have settled. */
    private readonly after: Promise<void>,
  ) {}

  append(update: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`log file ${this.file} is closed`))
    // Encoding copies the update, so a caller reusing its buffer cannot change what is stored.
    const record = encodeRecord(update)
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject })
      this.flushing ??= this.flush()
    })
  }

  /** Settles once every append made so far has settled; never rejects. */
  settled(): Promise<void> {
    return this.flushing ?? Promise.resolve()
  }

  /** Waits for queued appends to settle, then closes the file. */
  async close(): Promise<void> {
    this.closed = true
    await this.flushing
    const handle = await this.handle?.catch(() => undefined)
    this.handle = undefined
    if (handle === undefined) return
    try {
      // The whole records of a failed batch pass the crc check: only cutting them off keeps
      // a later load from returning updates whose appends were rejected.
      if (this.dirtyTail) {
        await handle.truncate(this.durableBytes)
        await handle.datasync()
      }
    } finally {
      await handle.close()
    }
  }

  private async flush(): Promise<void> {
    // Waiting (at least one microtask) lets appends made in the same tick as the first one
    // share its write, and settles appends in call order across a compaction: callers such
    // as the document wait for their last append only.
    await this.after
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      try {
        await this.write(Buffer.concat(batch.map((pending) => pending.record)))
        for (const pending of batch) pending.resolve()
      } catch (error) {
        for (const pending of batch) pending.reject(error)
      }
    }
    this.flushing = undefined
  }

  private async write(data: Buffer): Promise<void> {
    const handle = await this.openHandle()
    if (this.dirtyTail) {
      // If this fails, this batch is rejected too and the next write or close tries again.
      await handle.truncate(this.durableBytes)
      this.dirtyTail = false
    }
    this.dirtyTail = true
    await writeFully(handle, data)
    await handle.datasync()
    this.onSync()
    this.durableBytes += data.length
    this.dirtyTail = false
  }

  private openHandle(): Promise<FileHandle> {
    this.handle ??= this.createHandle().catch((error: unknown) => {
      this.handle = undefined
      throw error
    })
    return this.handle
  }

  private async createHandle(): Promise<FileHandle> {
    // O_APPEND: every write lands at the end, which after a truncate is `durableBytes`.
    const handle = await open(this.file, 'a')
    if (!this.exists) {
      // A synced record in a file whose directory entry was not synced is lost in a crash.
      try {
        await fsyncPath(path.dirname(this.file))
      } catch (error) {
        await handle.close()
        throw error
      }
      this.exists = true
    }
    return handle
  }
}

interface Layout {
  /** Generation of the newest snapshot. */
  snapshot: number | undefined
  /** Generations of the logs at or after `snapshot`, ascending. */
  logs: number[]
  /** Files that no longer describe the content: older generations, unfinished snapshots. */
  obsolete: string[]
}

async function scan(dir: string, base: string): Promise<Layout> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw error
  })
  const files = names.flatMap((name) => {
    const match = name.startsWith(`${base}.`) ? FILE_PATTERN.exec(name.slice(base.length + 1)) : null
    return match ? [{ name, generation: Number(match[1]), kind: match[2], temporary: match[3] !== undefined }] : []
  })
  const snapshots = files.filter((file) => file.kind === 'snap' && !file.temporary).map((file) => file.generation)
  const snapshot = snapshots.length > 0 ? Math.max(...snapshots) : undefined
  const current = (file: { generation: number }) => snapshot === undefined || file.generation >= snapshot
  return {
    snapshot,
    logs: files
      .filter((file) => file.kind === 'log' && !file.temporary && current(file))
      .map((file) => file.generation)
      .sort((a, b) => a - b),
    obsolete: files.filter((file) => file.temporary || !current(file)).map((file) => file.name),
  }
}

/** Cuts a log file at its first torn record; returns the bytes kept. */
async function repairLog(file: string, logger: Logger): Promise<number> {
  const data = await readFile(file)
  const { goodBytes } = decodeRecords(data)
  if (goodBytes < data.length) {
    logger.warn({ file, droppedBytes: data.length - goodBytes }, 'dropped a torn record at the end of an update log')
    await withFile(file, 'r+', async (handle) => {
      await handle.truncate(goodBytes)
      await handle.sync()
    })
  }
  return goodBytes
}

function fileName(base: string, generation: number, kind: 'snap' | 'log'): string {
  return `${base}.${generation}.${kind}`
}

async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  // A write may be short (the disk filled up in the middle); the next one then reports why.
  for (let offset = 0; offset < data.length; ) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset)
    offset += bytesWritten
  }
}

/** fsyncs a file, or a directory to make the creation, rename or removal of its entries durable. */
export function fsyncPath(target: string): Promise<void> {
  return withFile(target, 'r', (handle) => handle.sync())
}

async function withFile<T>(file: string, flags: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(file, flags)
  try {
    return await use(handle)
  } finally {
    await handle.close()
  }
}
