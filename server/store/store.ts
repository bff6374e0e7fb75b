import type { Role } from '../../shared/protocol.ts'

/** One share link: only the SHA-256 of its token is kept. */
export interface LinkRecord {
  /** Hex SHA-256 of the token. */
  tokenHash: string
  /** ISO time the link was issued. */
  createdAt: string
}

/** What the store knows about a document apart from its content. */
export interface DocumentRecord {
  id: string
  /** ISO creation time. */
  createdAt: string
  /** Last known title (the content doc's `title` text), kept for listings without loading the doc. */
  title: string
  links: Record<Role, LinkRecord>
}

/** What loading a doc name's content returns. */
export interface StoredContent {
  /** Yjs updates (v1) to apply in order: the snapshot first, then the log. Empty for a doc never written. */
  updates: Uint8Array[]
  /** Bytes in the log since the last snapshot; the document compacts when this grows. */
  logBytes: number
  /** Bytes of the last snapshot (0 when there is none). */
  snapshotBytes: number
}

/**
 * Durable storage for document metadata and content. Content is addressed by doc name
 * (`<id>` or `<id>/comments`); implementations encode names before they touch a file
 * system or a query, and keep names that differ only in case apart.
 *
 * Every promise resolves only once the data is durable (fsync'd or committed) and
 * rejects when it is not; a rejection never leaves a half-written record that a later
 * load would misread.
 */
export interface Store {
  createDocument(record: DocumentRecord): Promise<void>
  getDocument(id: string): Promise<DocumentRecord | undefined>
  setLink(id: string, role: Role, link: LinkRecord): Promise<void>
  setTitle(id: string, title: string): Promise<void>

  /** Reads everything stored for a doc name. Rejects on any read error (never returns empty content instead). */
  loadContent(name: string): Promise<StoredContent>
  /**
   * Appends one update to the doc name's log. Resolves once it is durable. Concurrent appends
   * are grouped into one write and one fsync; they are stored in call order.
   */
  appendUpdate(name: string, update: Uint8Array): Promise<void>
  /**
   * Replaces the log with a snapshot. `snapshot` must contain every update appended before
   * this call; appends made after the call starts are kept after it. Safe to die at any step.
   */
  compact(name: string, snapshot: Uint8Array): Promise<void>
  /** Frees what is held for a doc name (file handles); its data stays stored. */
  release(name: string): Promise<void>

  /** Resolves when storage accepts a durable write right now; rejects otherwise. */
  checkWritable(): Promise<void>
  /** Flushes and closes; releases any lock on the storage. */
  close(): Promise<void>
}
