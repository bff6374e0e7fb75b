import { fromBase64, toBase64 } from 'lib0/buffer'
import * as Y from 'yjs'

const PREFIX = 'collab.unloadBackup:'

/**
 * A synchronous safety copy for the moment the tab closes. y-indexeddb writes each change in
 * its own IndexedDB transaction, and the browser aborts the ones still pending when the page
 * unloads, so the last keystrokes typed offline just before closing could be lost. On
 * `pagehide` with unsaved changes the whole doc goes into localStorage (synchronous, survives
 * the unload); the next load merges it back (Yjs merges are idempotent) and drops it.
 */
export function keepUnloadBackup(doc: Y.Doc, docName: string, hasUnsaved: () => boolean): void {
  const key = PREFIX + docName
  try {
    const saved = localStorage.getItem(key)
    if (saved) Y.applyUpdate(doc, fromBase64(saved), 'unload-backup')
    localStorage.removeItem(key)
  } catch {
    // A corrupt or unreadable copy is only a backup: IndexedDB still has everything it committed.
  }
  window.addEventListener('pagehide', () => {
    if (!hasUnsaved()) return
    try {
      localStorage.setItem(key, toBase64(Y.encodeStateAsUpdate(doc)))
    } catch {
      // Over the storage quota: IndexedDB's copy is all there is.
    }
  })
}
