import { IndexeddbPersistence } from 'y-indexeddb'
import * as Y from 'yjs'
import { authorIdFromSecret } from '../shared/identity.ts'
import { CollabProvider, type ProviderError } from '../shared/provider.ts'
import { roleAtLeast, shareLink, type Role } from '../shared/protocol.ts'
import { ApiError, documentInfo } from './api.ts'
import { createComments } from './comments/comments.ts'
import { bestToken, knownDocument, rememberDocument } from './doc-store.ts'
import { h, icon } from './dom.ts'
import { createEditor } from './editor/create-editor.ts'
import { ICONS } from './editor/icons.ts'
import { identitySecret, storeDisplayName, storedDisplayName } from './identity-store.ts'
import { MESSAGES, showMessage } from './message-screen.ts'
import { askDisplayName } from './name-dialog.ts'
import { createPresenceBar } from './presence-bar.ts'
import { publishPresence } from './presence.ts'
import { openShareDialog } from './share-dialog.ts'
import { createStatus } from './status.ts'
import { bindTitle } from './title-binding.ts'
import { keepUnloadBackup } from './offline/unload-backup.ts'

/** The local IndexedDB database of one document: one per doc name, so documents never mix. */
function persistenceName(docName: string): string {
  return `collab-doc:${docName}`
}

const READ_ONLY_NOTE: Partial<Record<Role, string>> = {
  viewer: 'View only',
  commenter: 'Comment only · the text is read-only',
}

/**
 * The editor page for `/d/<id>#token=<token>`: loads the local copy from IndexedDB, checks the
 * link with the server, then syncs through the provider and shows the editor, title, presence,
 * status and sharing. Access problems replace the page with a message that says what happened.
 */
export async function openEditorPage(root: HTMLElement, id: string, linkToken: string | null): Promise<void> {
  const known = knownDocument(id)
  const token = linkToken ?? (known ? bestToken(known) : null)
  if (!token) return showMessage(root, MESSAGES.missingToken)

  const doc = new Y.Doc()
  const persistence = new IndexeddbPersistence(persistenceName(id), doc)
  const [info] = await Promise.all([
    documentInfo(id, token).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    // A browser without IndexedDB still edits, it just cannot keep an offline copy.
    persistence._db.then(() => persistence.whenSynced).catch(() => undefined),
  ])
  if (info instanceof ApiError && (info.code === 'not-found' || info.code === 'forbidden')) {
    await persistence.destroy()
    return showMessage(root, info.code === 'not-found' ? MESSAGES.notFound : MESSAGES.forbidden)
  }
  // Offline, the role this token had last time decides whether the text is editable until the server answers.
  const knownRole = (Object.entries(known?.tokens ?? {}).find(([, t]) => t === token)?.[0] as Role | undefined) ?? null
  let role: Role | null = info instanceof Error ? knownRole : info.role
  rememberDocument(id, { tokens: role ? { [role]: token } : {}, ...(role ? { role } : {}), opened: true, ...(info instanceof Error ? {} : { title: info.title }) })

  const secret = identitySecret()
  const provider = new CollabProvider(location.origin, id, doc, { token, identity: secret, connect: false })
  keepUnloadBackup(doc, id, () => provider.unsavedUpdates > 0)
  const comments = createComments({ id, token, connection: provider.connection, authorId: authorIdFromSecret(secret), askName: () => nameForComments() })
  const awareness = provider.awareness!
  let displayName = storedDisplayName()
  const presence = publishPresence(awareness, displayName ?? 'Anonymous')

  const titleInput = h('input', { class: 'title-input', attrs: { type: 'text', 'aria-label': 'Document title', placeholder: 'Untitled document', spellcheck: 'false' } })
  const titleText = doc.getText('title')
  bindTitle(titleInput, titleText)
  const showTitle = () => {
    const title = titleText.toString().trim()
    document.title = `${title || 'Untitled document'} · Collab`
    rememberDocument(id, { title })
  }
  titleText.observe(showTitle)
  showTitle()

  const editName = async () => {
    const name = await askDisplayName(displayName)
    if (!name) return
    displayName = name
    storeDisplayName(name)
    presence.setName(name)
  }
  const nameForComments = async () => {
    if (!displayName) await editName()
    return displayName
  }
  const presenceBar = createPresenceBar(awareness, () => void editName())
  const status = createStatus([provider, comments.doc])
  const shareButton = h('button', { class: 'button button--primary share-button', attrs: { type: 'button' } }, [icon(ICONS.share), h('span', { text: 'Share' })])
  const readOnlyNote = h('span', { class: 'toolbar-row__note' })
  const mount = h('div', { class: 'page__editor' })
  const page = h('article', { class: 'page', attrs: { 'aria-label': 'Document' } }, [mount])

  const editor = createEditor(mount, doc.getXmlFragment('prosemirror'), awareness, { editable: false, plugins: comments.plugins })
  const commentsPanel = h('aside', { class: 'side-panel', attrs: { 'data-slot': 'comments', 'aria-label': 'Comments' } })
  const workspace = h('div', { class: 'workspace' }, [h('main', { class: 'page-column' }, [page]), commentsPanel])
  const commentControls = comments.attach({ view: editor.view, panel: commentsPanel, workspace, page })
  root.replaceChildren(
    h('div', { class: 'app app--editor', attrs: { 'data-doc': id, 'data-ready': 'true' } }, [
      h('header', { class: 'topbar' }, [
        h('a', { class: 'topbar__home', attrs: { href: '/', 'aria-label': 'All documents', title: 'All documents' } }, [icon(ICONS.file)]),
        h('div', { class: 'topbar__title' }, [titleInput, status.element]),
        h('div', { class: 'topbar__actions' }, [presenceBar.element, shareButton]),
      ]),
      h('div', { class: 'toolbar-row' }, [editor.toolbar.element, readOnlyNote, ...commentControls]),
      workspace,
    ]),
  )

  const applyRole = () => {
    const canEdit = role !== null && roleAtLeast(role, 'editor') && !provider.revoked
    editor.setEditable(canEdit)
    titleInput.readOnly = !canEdit
    const note = role ? (READ_ONLY_NOTE[role] ?? '') : 'Waiting for the server…'
    readOnlyNote.textContent = canEdit ? '' : note
    document.documentElement.dataset.role = role ?? 'unknown'
    comments.setRole(provider.revoked ? null : role)
  }
  applyRole()

  let rotatedOwnToken: string | null = null
  shareButton.addEventListener('click', () => {
    if (!role) return
    openShareDialog({
      id,
      role,
      ownerToken: role === 'owner' ? token : null,
      onRotated: (rotated, newToken) => {
        if (rotated === role) rotatedOwnToken = newToken
      },
    })
  })

  // Everything the page listens to on `window`, dropped at once when the page gives up.
  const listening = new AbortController()
  const stop = (message: (typeof MESSAGES)[keyof typeof MESSAGES]) => {
    listening.abort()
    // First: the editor's provider closes the connection the comments ride on.
    comments.destroy()
    provider.destroy()
    showMessage(root, message)
  }
  provider.on('synced', (synced) => {
    if (!synced || !provider.role) return
    role = provider.role
    rememberDocument(id, { tokens: { [role]: token }, role })
    applyRole()
  })
  provider.on('revoked', () => {
    // The owner replaced their own link: reopen with the new one instead of locking them out.
    if (rotatedOwnToken) {
      location.replace(shareLink(id, rotatedOwnToken))
      return location.reload()
    }
    stop(MESSAGES.revoked)
  })
  provider.on('error', (error: ProviderError) => {
    if (error.code === 'not-found') stop(MESSAGES.notFound)
    else if (error.code === 'forbidden' && !provider.synced) stop(MESSAGES.forbidden)
  })

  const warnIfUnsaved = (event: BeforeUnloadEvent) => {
    if (provider.unsavedUpdates + comments.doc.unsavedUpdates === 0) return
    event.preventDefault()
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = ''
  }
  const { signal } = listening
  window.addEventListener('beforeunload', warnIfUnsaved, { signal })
  // The editor's provider owns the connection: it opens it first and closes it last.
  const connect = () => {
    provider.connect()
    comments.doc.connect()
  }
  const disconnect = () => {
    comments.doc.disconnect()
    provider.disconnect()
  }
  // Socket.IO notices a lost network only after its ping timeout; the browser knows at once.
  window.addEventListener('offline', disconnect, { signal })
  window.addEventListener('online', connect, { signal })
  // The comments kept on this device load first, so the first resync already carries them.
  await comments.doc.whenLoaded()
  if (navigator.onLine && !signal.aborted) connect()

  const focusText = () => {
    if (role && roleAtLeast(role, 'editor')) editor.view.focus()
  }
  // First visit: ask for a name once, then go straight to the text.
  if (!displayName) void editName().then(focusText)
  else focusText()
}
