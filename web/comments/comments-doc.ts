import { ObservableV2 } from 'lib0/observable'
import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import type { CollabConnection } from '../../shared/connection.ts'
import { commentsDocName } from '../../shared/protocol.ts'
import { CollabProvider, type ProviderError, type ProviderStatus } from '../../shared/provider.ts'
import { keepUnloadBackup } from '../offline/unload-backup.ts'

export interface CommentsDocEvents {
  /** The threads changed, locally or remotely. */
  change: () => void
  /** The server refused a change; the local copy was dropped and reloaded from the server. */
  reset: () => void
  status: (event: { status: ProviderStatus }) => void
  unsaved: (count: number) => void
}

/**
 * A document's comments doc (`<id>/comments`): a Y.Doc kept in IndexedDB like the text, synced
 * by a second provider on the editor's connection, without presence.
 *
 * The server refuses a change the sender may not make (say, deleting a thread someone replied
 * to a moment ago). Yjs cannot take a change back, and the refused change would ride along in
 * every later resync and get all of it refused, offline comments included; so a refusal drops
 * the local copy and starts again from the server's.
 */
export class CommentsDoc extends ObservableV2<CommentsDocEvents> {
  readonly name: string
  doc!: Y.Doc
  private provider!: CollabProvider
  private persistence!: IndexeddbPersistence
  private loading!: Promise<void>
  private wanted = false

  constructor(
    id: string,
    private readonly token: string,
    private readonly connection: CollabConnection,
  ) {
    super()
    this.name = commentsDocName(id)
    this.open()
  }

  /** Resolves once the copy kept on this device is loaded. */
  whenLoaded(): Promise<void> {
    return this.loading
  }

  get status(): ProviderStatus {
    return this.provider.status
  }

  get unsavedUpdates(): number {
    return this.provider.unsavedUpdates
  }

  /** Call after the editor's provider connects: that provider owns the connection. */
  connect(): void {
    this.wanted = true
    this.provider.connect()
  }

  /** Call before the editor's provider disconnects, which closes the connection under this one. */
  disconnect(): void {
    this.wanted = false
    this.provider.disconnect()
  }

  override destroy(): void {
    this.close()
    super.destroy()
  }

  private open(): void {
    const doc = new Y.Doc()
    this.doc = doc
    this.persistence = new IndexeddbPersistence(`collab-doc:${this.name}`, doc)
    this.provider = new CollabProvider('', this.name, doc, { token: this.token, connection: this.connection, awareness: null, connect: false })
    keepUnloadBackup(doc, this.name, () => this.doc === doc && this.provider.unsavedUpdates > 0)
    // Without IndexedDB the comments still work, only not offline.
    this.loading = this.persistence._db.then(() => this.persistence.whenSynced).then(
      () => undefined,
      () => undefined,
    )
    doc.on('update', this.onChange)
    this.provider.on('status', this.onStatus)
    this.provider.on('unsaved', this.onUnsaved)
    this.provider.on('error', this.onError)
  }

  private close(): void {
    this.doc.off('update', this.onChange)
    this.provider.destroy()
    void this.persistence.destroy()
    this.doc.destroy()
  }

  private async reset(): Promise<void> {
    const refused = this.persistence
    this.close()
    await refused.clearData().catch(() => undefined)
    this.open()
    await this.loading
    if (this.wanted) this.provider.connect()
    this.emit('reset', [])
    this.emit('change', [])
  }

  private readonly onChange = (): void => this.emit('change', [])
  private readonly onStatus = (event: { status: ProviderStatus }): void => this.emit('status', [event])
  private readonly onUnsaved = (count: number): void => this.emit('unsaved', [count])
  private readonly onError = (error: ProviderError): void => {
    // A refused join is the link's problem, which the editor's own provider reports.
    if (error.code === 'forbidden' && this.provider.synced) void this.reset()
  }
}
