import { readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from 'pino'
import { fsyncPath, withFile, writeFully } from './fs-sync.ts'
import { LogFile } from './log-file.ts'
import { decodeRecords, encodeRecord } from './record.ts'
import type { StoredContent } from './store.ts'

// The files of one doc name, `<base>` being its encoded name, are `<base>.<gen>.snap` and
// `<base>.<gen>.log`. Its content is the snapshot of the highest generation g that has one
// (none: empty) followed by every log of generation >= g, in generation order. Compaction
// moves appends to log g+1 at once, then renames a snapshot into place as `<base>.<g+1>.snap`,
// so a crash at any step leaves files that still describe everything acknowledged.

const FILE_PATTERN = /^(0|[1-9]\d*)\.(snap|log)(\.tmp)?$/

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
