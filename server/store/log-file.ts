import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { encodeRecord } from './record.ts'
import { fsyncPath, writeFully } from './fs-sync.ts'

interface PendingAppend {
  record: Buffer
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * One append-only log file with group commit: while a write and its fdatasync are in
 * flight, appends queue up, and the whole queue then goes out in one write and one sync.
 */
export class LogFile {
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
