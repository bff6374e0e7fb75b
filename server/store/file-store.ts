import { mkdir, open, rm } from 'node:fs/promises'
import path from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type { Role } from '../../shared/protocol.ts'
import { lockDataDir } from './data-dir-lock.ts'
import type { DataDirLock } from './data-dir-lock.ts'
import { encodeFileName } from './file-name.ts'
import { Metadata } from './metadata.ts'
import type { DocumentRecord, LinkRecord, Store, StoredContent } from './store.ts'
import { fsyncPath } from './fs-sync.ts'
import { UpdateLog } from './update-log.ts'

/** Directory inside DATA_DIR that holds the snapshots and update logs. */
export const CONTENT_DIR_NAME = 'content'

/** Name of the file `checkWritable` writes inside DATA_DIR. */
export const PROBE_FILE_NAME = '.healthcheck'

export interface FileStoreOptions {
  /** Holds the lock file, `metadata.json` and `content/`; created when missing. */
  dataDir: string
  /** Receives warnings such as torn log records dropped on load. Defaults to pino at level info. */
  logger?: Logger
}

/**
 * Opens the store kept in files under `options.dataDir`. Rejects, naming the pid, when
 * another live process has the directory open.
 */
export async function openFileStore(options: FileStoreOptions): Promise<Store> {
  const dataDir = path.resolve(options.dataDir)
  await createDirectory(dataDir)
  const lock = await lockDataDir(dataDir)
  try {
    await createDirectory(path.join(dataDir, CONTENT_DIR_NAME))
    const metadata = await Metadata.open(dataDir)
    return new FileStore(dataDir, lock, metadata, options.logger ?? pino())
  } catch (error) {
    await lock.release()
    throw error
  }
}

class FileStore implements Store {
  // Doc name -> its open update log. Every operation on a name chains onto this promise,
  // even once it has resolved: `then` callbacks run in the order they were registered, which
  // keeps appends in call order and lets compact() switch logs before later appends run.
  private readonly logs = new Map<string, Promise<UpdateLog>>()
  // Doc name -> the closing of its previous log. Opening repairs the files, so a name is
  // opened again only once the previous log's writes have finished.
  private readonly releasing = new Map<string, Promise<void>>()
  private probe: Promise<void> | undefined
  private closing: Promise<void> | undefined

  constructor(
    private readonly dataDir: string,
    private readonly lock: DataDirLock,
    private readonly metadata: Metadata,
    private readonly logger: Logger,
  ) {}

  async createDocument(record: DocumentRecord): Promise<void> {
    this.assertOpen()
    await this.metadata.create(record)
  }

  async getDocument(id: string): Promise<DocumentRecord | undefined> {
    this.assertOpen()
    return this.metadata.get(id)
  }

  async setLink(id: string, role: Role, link: LinkRecord): Promise<void> {
    this.assertOpen()
    await this.metadata.setLink(id, role, link)
  }

  async setTitle(id: string, title: string): Promise<void> {
    this.assertOpen()
    await this.metadata.setTitle(id, title)
  }

  async loadContent(name: string): Promise<StoredContent> {
    return this.logFor(name).then((log) => log.load())
  }

  async appendUpdate(name: string, update: Uint8Array): Promise<void> {
    // Copied now: the log encodes it a tick later, and the caller may reuse its buffer by then.
    const copy = update.slice()
    return this.logFor(name).then((log) => log.append(copy))
  }

  async compact(name: string, snapshot: Uint8Array): Promise<void> {
    return this.logFor(name).then((log) => log.compact(snapshot))
  }

  async release(name: string): Promise<void> {
    const log = this.logs.get(name)
    if (log === undefined) return this.releasing.get(name)
    this.logs.delete(name)
    // A log that failed to open holds nothing.
    const closed = log.then((opened) => opened.close(), () => undefined)
    const settled = closed.catch(() => undefined)
    this.releasing.set(name, settled)
    void settled.then(() => {
      if (this.releasing.get(name) === settled) this.releasing.delete(name)
    })
    return closed
  }

  checkWritable(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the store is closed'))
    // Concurrent health checks share one probe: they would all write the same file.
    this.probe ??= probeWritable(this.dataDir).finally(() => {
      this.probe = undefined
    })
    return this.probe
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    const releases = await Promise.allSettled([...this.logs.keys()].map((name) => this.release(name)))
    await Promise.all(this.releasing.values())
    await this.probe?.catch(() => undefined)
    await this.metadata.close()
    await this.lock.release()
    for (const result of releases) if (result.status === 'rejected') throw result.reason
  }

  private logFor(name: string): Promise<UpdateLog> {
    this.assertOpen()
    let log = this.logs.get(name)
    if (log === undefined) {
      const base = encodeFileName(name)
      const previous = this.releasing.get(name) ?? Promise.resolve()
      const opened = previous.then(() =>
        UpdateLog.open(path.join(this.dataDir, CONTENT_DIR_NAME), base, this.logger.child({ doc: name })),
      )
      // Forgotten once it fails, so the next operation on the name tries again.
      opened.catch(() => {
        if (this.logs.get(name) === opened) this.logs.delete(name)
      })
      this.logs.set(name, (log = opened))
    }
    return log
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('the store is closed')
  }
}

/** Creates `dir` and its missing parents, and makes their entries durable. */
async function createDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true })
  if (firstCreated === undefined) return
  for (let created = dir; ; created = path.dirname(created)) {
    await fsyncPath(path.dirname(created))
    if (created === firstCreated) return
  }
}

async function probeWritable(dataDir: string): Promise<void> {
  const file = path.join(dataDir, PROBE_FILE_NAME)
  // A new file every time: rewriting blocks that a file already owns succeeds on a full disk.
  await rm(file, { force: true })
  const handle = await open(file, 'wx')
  try {
    await handle.write(`${new Date().toISOString()}\n`)
    await handle.datasync()
  } finally {
    await handle.close()
  }
  await rm(file)
}
