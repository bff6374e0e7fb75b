/**
 * Registers the service worker that keeps the app itself available offline, so a document
 * can be reopened from its IndexedDB copy without a network. Production builds only: in the
 * dev server it would serve stale modules over hot reload.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('/sw.js').catch((error: unknown) => {
    // Without it everything works except reopening the tab while offline.
    console.warn('offline support unavailable:', error)
  })
  void navigator.serviceWorker.ready.then(() => {
    document.documentElement.dataset.offlineReady = 'true'
  })
}
