import { EventEmitter } from 'node:events'
import * as Y from 'yjs'
import { parseDocName } from '../shared/protocol.ts'
import { CollabDocument, type DocumentOptions } from './document.ts'

export interface RegistryOptions extends DocumentOptions {
  /** Milliseconds a doc without clients stays loaded (see Config.unloadDelayMs). */
  unloadDelayMs: number
  /** Milliseconds a loaded doc may go unused before it sleeps (see Config.sleepAfterMs). */
  sleepAfterMs: number
}

/** Longest title kept in the metadata (the live title is the content doc's `title` text). */
const MAX_STORED_TITLE = 200

/**
 * The loaded documents. A doc name is loaded once, however many joins race for it (they share
 * one load and none sees a half-loaded doc), and unloaded once its last client left and
 * everything it holds is stored. A failed load rejects and writes nothing.
 */
export class DocumentRegistry extends EventEmitter<{ loaded: [name: string]; unloaded: [name: string] }> {
  private readonly loaded = new Map<string, CollabDocument>()
  private readonly loading = new Map<string, Promise<CollabDocument>>()
  private readonly releasing = new Map<string, Promise<void>>()
  private readonly unloadTimers = new Map<string, NodeJS.Timeout>()
  /** Updates other nodes stored while this node was loading the doc; applied once it is loaded. */
  private readonly peerUpdatesWhileLoading = new Map<string, Uint8Array[]>()

  private readonly sleepTimer: NodeJS.Timeout

  constructor(private readonly options: RegistryOptions) {
    super()
    // One sweep for all docs rather than a timer per doc reset on every update.
    this.sleepTimer = setInterval(() => {
      const now = Date.now()
      for (const document of this.loaded.values()) {
        document.sleepIfQuiet(options.sleepAfterMs, now, (doc) => void this.saveTitle(document, doc))
      }
    }, options.sleepAfterMs / 2)
    this.sleepTimer.unref()
  }

  /** The loaded doc of that name, if any. */
  get(name: string): CollabDocument | undefined {
    return this.loaded.get(name)
  }

  /** How many docs are in memory. */
  get size(): number {
    return this.loaded.size
  }

  /** Every loaded doc. */
  documents(): IterableIterator<CollabDocument> {
    return this.loaded.values()
  }

  /** Loads the doc if needed and counts `clientId` in, which keeps the doc loaded until it leaves. */
  async open(name: string, clientId: string): Promise<CollabDocument> {
    const document = this.loaded.get(name) ?? (await this.load(name))
    document.clients.add(clientId)
    this.cancelUnload(name)
    return document
  }

  /** Counts `clientId` out; the last one out schedules the unload. */
  close(document: CollabDocument, clientId: string): void {
    if (document.clients.delete(clientId) && document.clients.size === 0) this.scheduleUnload(document)
  }

  private scheduleUnload(document: CollabDocument): void {
    this.cancelUnload(document.name)
    const timer = setTimeout(() => void this.unload(document), this.options.unloadDelayMs)
    timer.unref()
    this.unloadTimers.set(document.name, timer)
  }

  /** Hands an update another node accepted to the doc, if this node holds it or is loading it. */
  applyPeerUpdate(name: string, update: Uint8Array): void {
    const document = this.loaded.get(name)
    if (document) document.applyStoredUpdate(update, 'peer')
    else this.peerUpdatesWhileLoading.get(name)?.push(update)
  }

  /**
   * Re-reads every loaded doc from the store and gives this node's clients what they missed:
   * the anti-entropy step after the nodes lost messages (Redis was down). Every acknowledged
   * update is in the shared store, so once each node has done this, all clients converge.
   */
  async resyncFromStore(): Promise<void> {
    await Promise.all(
      [...this.loaded.values()].map(async (document) => {
        try {
          const { updates } = await this.options.store.loadContent(document.name)
          if (updates.length > 0) document.applyStoredUpdate(Y.mergeUpdates(updates), 'store')
        } catch (error) {
          this.options.logger.error({ doc: document.name, err: error }, 'resync from the store failed')
        }
      }),
    )
  }

  /** Stores everything and frees every doc (server shutdown). Rejects if something could not be stored. */
  async shutdown(): Promise<void> {
    clearInterval(this.sleepTimer)
    for (const timer of this.unloadTimers.values()) clearTimeout(timer)
    this.unloadTimers.clear()
    await Promise.allSettled(this.loading.values())
    const results = await Promise.allSettled([...this.loaded.values()].map((d) => this.unload(d, true)))
    const failed = results.filter((r) => r.status === 'rejected')
    if (failed.length > 0) throw new Error(`${failed.length} document(s) could not be stored on shutdown`)
  }

  private load(name: string): Promise<CollabDocument> {
    const pending = this.loading.get(name)
    if (pending) return pending
    this.peerUpdatesWhileLoading.set(name, [])
    const loading = (async () => {
      await this.releasing.get(name)
      const document = await CollabDocument.load(name, this.options)
      for (const update of this.peerUpdatesWhileLoading.get(name) ?? []) document.applyStoredUpdate(update, 'peer')
      this.loaded.set(name, document)
      this.emit('loaded', name)
      void this.saveTitle(document)
      return document
    })().finally(() => {
      this.loading.delete(name)
      this.peerUpdatesWhileLoading.delete(name)
    })
    this.loading.set(name, loading)
    return loading
  }

  private cancelUnload(name: string): void {
    const timer = this.unloadTimers.get(name)
    if (timer) clearTimeout(timer)
    this.unloadTimers.delete(name)
  }

  private async unload(document: CollabDocument, force = false): Promise<void> {
    this.unloadTimers.delete(document.name)
    try {
      await document.whenStored()
    } catch (error) {
      this.options.logger.warn({ doc: document.name, err: error }, 'not unloading: changes are not stored yet')
      if (force) throw error
      // The doc stays in memory, the only copy of those changes; try again later.
      if (document.clients.size === 0) this.scheduleUnload(document)
      return
    }
    if ((!force && document.clients.size > 0) || this.loaded.get(document.name) !== document) return
    this.loaded.delete(document.name)
    // A sleeping doc's title was stored when it fell asleep, and nothing changed it since.
    if (!document.sleeping) await this.saveTitle(document)
    document.destroy()
    const release = this.options.store.release(document.name).finally(() => this.releasing.delete(document.name))
    this.releasing.set(document.name, release)
    this.emit('unloaded', document.name)
    await release
  }

  /** Keeps the metadata's copy of a content doc's title current, for reads without loading. */
  private async saveTitle(document: CollabDocument, doc = document.doc): Promise<void> {
    const address = parseDocName(document.name)
    if (!address || address.kind !== 'content') return
    const title = doc.getText('title').toString().slice(0, MAX_STORED_TITLE)
    try {
      const record = await this.options.store.getDocument(address.id)
      if (record && record.title !== title) await this.options.store.setTitle(address.id, title)
    } catch (error) {
      this.options.logger.warn({ doc: document.name, err: error }, 'could not store the title')
    }
  }
}
