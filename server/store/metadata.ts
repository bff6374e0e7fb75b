import path from 'node:path'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import type { Role } from '../../shared/protocol.ts'
import type { DocumentRecord, LinkRecord } from './store.ts'
import { fsyncPath } from './fs-sync.ts'

/** Name of the metadata file inside DATA_DIR. */
export const METADATA_FILE_NAME = 'metadata.json'

type Documents = Record<string, DocumentRecord>

interface MetadataFile {
  documents: Documents
}

/**
 * The document records, kept in memory and in `metadata.json`. Writes run one at a time and
 * resolve once the file and its directory entry are synced; a failed write leaves the
 * records in memory as they were.
 */
export class Metadata {
  private writes: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly db: Low<MetadataFile>,
    private readonly file: string,
  ) {}

  /** Reads `metadata.json` in `dataDir`; a missing file means no documents. Rejects when it cannot be parsed. */
  static async open(dataDir: string): Promise<Metadata> {
    const file = path.join(dataDir, METADATA_FILE_NAME)
    const db = new Low<MetadataFile>(new JSONFile<MetadataFile>(file), { documents: {} })
    try {
      await db.read()
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error })
    }
    const documents: unknown = db.data.documents
    if (typeof documents !== 'object' || documents === null) throw new Error(`${file} holds no documents object`)
    // Without a prototype, an id such as `__proto__` is an ordinary key.
    db.data = { documents: Object.assign(Object.create(null) as Documents, documents) }
    return new Metadata(db, file)
  }

  get(id: string): DocumentRecord | undefined {
    const record = this.db.data.documents[id]
    return record && structuredClone(record)
  }

  /** Rejects when a document with this id exists. */
  create(record: DocumentRecord): Promise<void> {
    return this.update((documents) => {
      if (documents[record.id]) throw new Error(`document ${record.id} already exists`)
      documents[record.id] = structuredClone(record)
    })
  }

  setLink(id: string, role: Role, link: LinkRecord): Promise<void> {
    return this.update((documents) => {
      const record = existing(documents, id)
      documents[id] = { ...record, links: { ...record.links, [role]: { ...link } } }
    })
  }

  setTitle(id: string, title: string): Promise<void> {
    return this.update((documents) => {
      documents[id] = { ...existing(documents, id), title }
    })
  }

  /** Resolves once every write started before it has settled. */
  async close(): Promise<void> {
    await this.writes
  }

  private update(change: (documents: Documents) => void): Promise<void> {
    const write = this.writes.then(async () => {
      const previous = this.db.data
      const documents = Object.assign(Object.create(null) as Documents, previous.documents)
      change(documents)
      this.db.data = { documents }
      try {
        await this.db.write()
        await this.sync()
      } catch (error) {
        this.db.data = previous
        throw error
      }
    })
    this.writes = write.catch(() => undefined)
    return write
  }

  // lowdb writes a temporary file and renames it over metadata.json without syncing either,
  // so both are synced here, after the rename. A crash right after the rename can leave an
  // empty metadata.json on a file system that does not flush data before a rename (ext4
  // does, see its auto_da_alloc); `open` then fails to parse it instead of starting empty.
  private async sync(): Promise<void> {
    await fsyncPath(this.file)
    await fsyncPath(path.dirname(this.file))
  }
}

function existing(documents: Documents, id: string): DocumentRecord {
  const record = documents[id]
  if (!record) throw new Error(`document ${id} does not exist`)
  return record
}
