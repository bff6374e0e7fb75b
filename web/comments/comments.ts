import { Plugin, TextSelection } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { ySyncPluginKey } from 'y-prosemirror'
import type * as Y from 'yjs'
import { addMessage, addThread, deleteMessage, deleteThread, editMessage, setResolved, type CommentMessage } from '../../shared/comments.ts'
import type { CollabConnection } from '../../shared/connection.ts'
import type { Role } from '../../shared/protocol.ts'
import { anchorFor, quoteOf, type Anchor, type ProsemirrorMapping } from './anchors.ts'
import { createCommentButtons, type CommentButtons } from './comment-button.ts'
import { CommentsDoc } from './comments-doc.ts'
import { highlightPlugin, highlightsKey, refreshHighlights, type HighlightSource } from './highlight-plugin.ts'
import { createSidebar, type Sidebar } from './sidebar.ts'
import { authorFor, canComment, canDeleteMessage, canDeleteThread, canEditMessage, newId, readThreads, type Commenter, type ThreadEntry } from './threads.ts'

export interface CommentsOptions {
  id: string
  token: string
  /** The editor provider's connection; the comments doc rides on it. */
  connection: CollabConnection
  /** This browser's public author id (`authorIdFromSecret`). */
  authorId: string
  /** The name to sign with; asks for one (the name dialog) when there is none yet. */
  askName(): Promise<string | null>
}

/** Where the comments go on the editor page. */
export interface CommentsSlots {
  view: EditorView
  /** The `aside[data-slot=comments]` column. */
  panel: HTMLElement
  workspace: HTMLElement
  /** The page around the text, for the floating button. */
  page: HTMLElement
}

export interface Comments {
  readonly doc: CommentsDoc
  /** For the editor's plugin list: the highlights, and a watcher of the selection. */
  readonly plugins: Plugin[]
  /** Shows the sidebar and the buttons; returns the elements for the toolbar row. */
  attach(slots: CommentsSlots): HTMLElement[]
  /** The link's role (null while unknown or once revoked) decides what this person may do. */
  setRole(role: Role | null): void
  destroy(): void
}

/**
 * The comments of one document: their Yjs doc, the highlights in the text, the sidebar and the
 * buttons. Every change goes through shared/comments.ts, signed with this browser's author id;
 * what the role does not allow is not offered (and the server refuses it anyway).
 */
export function createComments(options: CommentsOptions): Comments {
  const doc = new CommentsDoc(options.id, options.token, options.connection)
  const who: Commenter = { authorId: options.authorId, role: null }
  let threads: ThreadEntry[] = []
  let activeId: string | null = null
  let draft: { anchor: Anchor; quote: string } | null = null
  let view: EditorView | null = null
  let sidebar: Sidebar | null = null
  let buttons: CommentButtons | null = null

  const source: HighlightSource = { threads: () => threads, activeId: () => activeId, draft: () => draft }
  const plugins = [
    highlightPlugin(
      source,
      () => sidebar?.refresh(),
      (id) => {
        if (id !== activeId) setActive(id)
        if (id) sidebar?.reveal(id, 'none')
      },
    ),
    new Plugin({ view: () => ({ update: () => buttons?.update() }) }),
  ]

  const refresh = () => {
    if (activeId && !threads.some((entry) => entry.id === activeId)) activeId = null
    if (view) refreshHighlights(view)
    sidebar?.render(threads, activeId)
  }
  const setActive = (id: string | null) => {
    activeId = id
    refresh()
  }
  const onChange = () => {
    threads = readThreads(doc.doc)
    refresh()
  }
  // The server refused a change and CommentsDoc reloaded the comments; without a word, the undone
  // change (and a comment that vanished) would look like a glitch.
  const onReset = () => sidebar?.notify('The server refused a change to the comments, so they were reloaded. Unsaved changes were undone.')
  doc.on('change', onChange)
  doc.on('reset', onReset)
  void doc.whenLoaded().then(onChange)

  const threadOf = (id: string) => threads.find((entry) => entry.id === id)?.thread
  const messageOf = (threadId: string, messageId: string) => threadOf(threadId)?.messages.find((m) => m.id === messageId)
  const sign = async (body: string): Promise<CommentMessage | null> => {
    const name = await options.askName()
    if (!name || !canComment(who)) return null
    return { id: newId(), author: authorFor(who.authorId, name), body, createdAt: Date.now() }
  }
  /** A change from the sidebar: it may race a peer's (the thread just went), which is no error. */
  const change = (run: (ydoc: Y.Doc) => void) => {
    try {
      run(doc.doc)
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
    }
  }

  /** Selects a thread's text and scrolls it to a third of the way down the window. */
  const showText = (id: string) => {
    const placement = view && highlightsKey.getState(view.state)?.placements.get(id)
    if (!view || !placement) return
    view.dispatch(view.state.tr.setSelection(TextSelection.create(view.state.doc, placement.from, placement.to)))
    const top = view.coordsAtPos(placement.from).top
    if (top < window.innerHeight * 0.2 || top > window.innerHeight * 0.8) window.scrollBy(0, top - window.innerHeight / 3)
  }

  const startDraft = () => {
    if (!view || !canComment(who)) return
    const { from, to } = view.state.selection
    const sync = ySyncPluginKey.getState(view.state) as { type: Y.XmlFragment; binding: { mapping: ProsemirrorMapping } }
    draft = { anchor: anchorFor(sync.type, sync.binding.mapping, from, to), quote: quoteOf(view.state.doc, from, to) }
    activeId = null
    refresh()
    buttons?.update()
    sidebar?.openDraft(draft.quote)
    // Ask for a name now rather than after the comment is typed.
    void options.askName()
  }
  const cancelDraft = () => {
    draft = null
    sidebar?.closeDraft()
    refresh()
    buttons?.update()
  }

  const attach = (slots: CommentsSlots): HTMLElement[] => {
    view = slots.view
    sidebar = createSidebar({
      panel: slots.panel,
      workspace: slots.workspace,
      view: slots.view,
      who: () => who,
      placements: () => {
        const state = view && highlightsKey.getState(view.state)
        return { threads: state?.placements ?? new Map(), draft: state?.draft ?? null }
      },
      actions: {
        activate(id) {
          setActive(id)
          showText(id)
        },
        deactivate: () => setActive(null),
        async post(body) {
          const current = draft
          const message = current && (await sign(body))
          if (!current || !message) return
          const id = newId()
          addThread(doc.doc, id, { anchor: current.anchor, quote: current.quote, resolved: false, createdAt: message.createdAt, author: message.author }, message)
          draft = null
          sidebar?.closeDraft()
          setActive(id)
          sidebar?.reveal(id, 'card')
          buttons?.update()
        },
        cancelDraft,
        async reply(threadId, body) {
          const message = await sign(body)
          if (message) change((ydoc) => addMessage(ydoc, threadId, message))
        },
        edit(threadId, messageId, body) {
          const message = messageOf(threadId, messageId)
          if (message && canEditMessage(message, who)) change((ydoc) => editMessage(ydoc, threadId, messageId, body))
        },
        deleteMessage(threadId, messageId) {
          const thread = threadOf(threadId)
          const message = messageOf(threadId, messageId)
          if (!thread || !message || !canDeleteMessage(message, who)) return
          // The last message takes its thread along, when the thread may go.
          const wholeThread = thread.messages.length === 1 && canDeleteThread(thread, who)
          change((ydoc) => (wholeThread ? deleteThread(ydoc, threadId) : deleteMessage(ydoc, threadId, messageId)))
        },
        setResolved(threadId, resolved) {
          if (!canComment(who)) return
          change((ydoc) => setResolved(ydoc, threadId, resolved))
          if (resolved && activeId === threadId) setActive(null)
        },
        deleteThread(threadId) {
          const thread = threadOf(threadId)
          if (thread && canDeleteThread(thread, who)) change((ydoc) => deleteThread(ydoc, threadId))
        },
      },
    })
    buttons = createCommentButtons(slots.view, slots.page, { comment: () => canComment(who), start: () => draft === null }, startDraft)
    refresh()
    return [buttons.toolbarButton, sidebar.toggle]
  }

  return {
    doc,
    plugins,
    attach,
    setRole(role) {
      if (who.role === role) return
      who.role = role
      if (!canComment(who) && draft) cancelDraft()
      buttons?.update()
      sidebar?.render(threads, activeId)
    },
    destroy() {
      doc.off('change', onChange)
      doc.off('reset', onReset)
      buttons?.destroy()
      sidebar?.destroy()
      doc.destroy()
    },
  }
}
