import type { ProviderStatus } from '../shared/provider.ts'
import { h } from './dom.ts'

/** A synced doc as the indicator watches it: a provider, or the comments doc that wraps one. */
export interface SyncedDoc {
  readonly status: ProviderStatus
  readonly unsavedUpdates: number
  on(event: 'status' | 'unsaved', listener: () => void): void
  off(event: 'status' | 'unsaved', listener: () => void): void
}

/** The status that describes several docs on one connection: the least connected one. */
const ORDER: ProviderStatus[] = ['disconnected', 'connecting', 'connected']

type Indicator = 'saved' | 'saving' | 'connecting' | 'reconnecting' | 'offline'

const TEXT: Record<Indicator, string> = {
  saved: 'All changes saved',
  saving: 'Saving…',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
}

/** What the indicator says: "saved" only when connected and the server has acknowledged every change. */
export function indicatorFor(status: ProviderStatus, unsaved: number, online: boolean, everConnected: boolean): Indicator {
  if (!online || status === 'disconnected') return 'offline'
  if (status === 'connecting') return everConnected ? 'reconnecting' : 'connecting'
  return unsaved > 0 ? 'saving' : 'saved'
}

/**
 * The connection and save indicator for the docs of one page (the text and its comments): it
 * says "saved" only when every one of them is. Unsaved changes made offline are kept on this
 * device (IndexedDB) and sent on reconnect; the detail line says so instead of alarming anyone.
 */
export function createStatus(docs: readonly SyncedDoc[]): { element: HTMLElement; destroy(): void } {
  const text = h('span', { class: 'status__text' })
  const detail = h('span', { class: 'status__detail' })
  // Screen readers hear only connection changes, not "Saving…" after every keystroke.
  const announcer = h('span', { class: 'visually-hidden', attrs: { role: 'status' } })
  const element = h('div', { class: 'status' }, [h('span', { class: 'status__dot', attrs: { 'aria-hidden': 'true' } }), text, detail, announcer])
  const statusOf = () => ORDER[Math.min(...docs.map((doc) => ORDER.indexOf(doc.status)))]!
  let everConnected = statusOf() === 'connected'
  let connection = ''

  const render = () => {
    const status = statusOf()
    if (status === 'connected') everConnected = true
    const unsaved = docs.reduce((sum, doc) => sum + doc.unsavedUpdates, 0)
    const indicator = indicatorFor(status, unsaved, navigator.onLine, everConnected)
    element.dataset.state = indicator
    text.textContent = TEXT[indicator]
    detail.textContent = unsaved > 0 && (indicator === 'offline' || indicator === 'reconnecting') ? ' · changes kept on this device' : ''
    const nowConnection = indicator === 'saved' || indicator === 'saving' ? 'Connected' : TEXT[indicator]
    if (nowConnection !== connection && (connection || nowConnection !== 'Connected')) announcer.textContent = nowConnection
    connection = nowConnection
  }
  for (const doc of docs) {
    doc.on('status', render)
    doc.on('unsaved', render)
  }
  window.addEventListener('online', render)
  window.addEventListener('offline', render)
  render()
  return {
    element,
    destroy() {
      for (const doc of docs) {
        doc.off('status', render)
        doc.off('unsaved', render)
      }
      window.removeEventListener('online', render)
      window.removeEventListener('offline', render)
    },
  }
}
