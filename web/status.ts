import type { CollabProvider, ProviderStatus } from '../shared/provider.ts'
import { h } from './dom.ts'

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
 * The connection and save indicator. Unsaved changes made offline are kept on this device
 * (IndexedDB) and sent on reconnect; the detail line says so instead of alarming anyone.
 */
export function createStatus(provider: CollabProvider): { element: HTMLElement; destroy(): void } {
  const text = h('span', { class: 'status__text' })
  const detail = h('span', { class: 'status__detail' })
  // Screen readers hear only connection changes, not "Saving…" after every keystroke.
  const announcer = h('span', { class: 'visually-hidden', attrs: { role: 'status' } })
  const element = h('div', { class: 'status' }, [h('span', { class: 'status__dot', attrs: { 'aria-hidden': 'true' } }), text, detail, announcer])
  let everConnected = provider.status === 'connected'
  let connection = ''

  const render = () => {
    if (provider.status === 'connected') everConnected = true
    const unsaved = provider.unsavedUpdates
    const indicator = indicatorFor(provider.status, unsaved, navigator.onLine, everConnected)
    element.dataset.state = indicator
    text.textContent = TEXT[indicator]
    detail.textContent = unsaved > 0 && (indicator === 'offline' || indicator === 'reconnecting') ? ' · changes kept on this device' : ''
    const nowConnection = indicator === 'saved' || indicator === 'saving' ? 'Connected' : TEXT[indicator]
    if (nowConnection !== connection && (connection || nowConnection !== 'Connected')) announcer.textContent = nowConnection
    connection = nowConnection
  }
  provider.on('status', render)
  provider.on('unsaved', render)
  window.addEventListener('online', render)
  window.addEventListener('offline', render)
  render()
  return {
    element,
    destroy() {
      provider.off('status', render)
      provider.off('unsaved', render)
      window.removeEventListener('online', render)
      window.removeEventListener('offline', render)
    },
  }
}
