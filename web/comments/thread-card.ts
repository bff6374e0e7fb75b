import type { CommentMessage, CommentThread } from '../../shared/comments.ts'
import { safeColor } from '../colors.ts'
import { createDialog } from '../dialog.ts'
import { h, icon } from '../dom.ts'
import { ICONS } from '../editor/icons.ts'
import { createComposer, type Composer } from './composer.ts'
import { COMMENT_ICONS } from './icons.ts'
import { linkParts } from './linkify.ts'
import { fullTime, relativeTime } from './relative-time.ts'
import { canComment, canDeleteMessage, canDeleteThread, canEditMessage, type Commenter, type ThreadEntry } from './threads.ts'

/** What a card asks of the sidebar; every change goes through shared/comments.ts there. */
export interface CardActions {
  /** The card was clicked or chosen with the keyboard: show its text. */
  activate(threadId: string): void
  reply(threadId: string, body: string): void
  edit(threadId: string, messageId: string, body: string): void
  deleteMessage(threadId: string, messageId: string): void
  setResolved(threadId: string, resolved: boolean): void
  deleteThread(threadId: string): void
}

export interface ThreadCard {
  readonly id: string
  readonly element: HTMLElement
  /** Renders the thread again, keeping a reply or an edit in progress. */
  update(entry: ThreadEntry, detached: boolean): void
  setActive(active: boolean): void
}

const FALLBACK_COLOR = '#868e96'

/**
 * One thread in the sidebar: the quoted text, the messages with their authors and times, and
 * the reply box. Everything people wrote is set as text (names, bodies, quotes); links in
 * bodies are plain http(s) links only (linkify.ts).
 */
export function createThreadCard(entry: ThreadEntry, who: () => Commenter, actions: CardActions): ThreadCard {
  const id = entry.id
  const titleId = `thread-${id}-title`
  const quote = h('blockquote', { class: 'thread-card__quote' })
  const toolbar = h('div', { class: 'thread-card__tools' })
  const messages = h('ol', { class: 'thread-card__messages' })
  const reply = createComposer({ label: 'Reply', placeholder: 'Reply…', submitLabel: 'Reply', quiet: true, onSubmit: (body) => actions.reply(id, body) })
  const element = h('article', { class: 'thread-card', attrs: { tabindex: '0', 'data-thread-id': id, 'aria-labelledby': titleId } }, [
    h('div', { class: 'thread-card__top' }, [quote, toolbar]),
    messages,
    reply.element,
  ])
  /** Edits in progress, by message id, so a live update does not throw away what is being typed. */
  const editing = new Map<string, Composer>()
  let current = entry
  let detached = false
  /** What the card shows, so that an unchanged thread is not rebuilt (and focus in it not lost) on every edit of the text. */
  let shown = ''

  const rerender = () => {
    shown = ''
    update(current, detached)
  }
  const update = (next: ThreadEntry, isDetached: boolean) => {
    const person = who()
    const key = JSON.stringify([next.thread, isDetached, person.role])
    if (key === shown) return
    shown = key
    current = next
    detached = isDetached
    const { thread } = next
    element.classList.toggle('is-resolved', thread.resolved)
    element.classList.toggle('is-detached', detached)
    quote.replaceChildren(
      ...(detached ? [h('span', { class: 'thread-card__lost', text: 'Original text was deleted' })] : []),
      h('span', { class: 'thread-card__quote-text', text: thread.quote || '(no text)', attrs: { id: titleId } }),
    )
    toolbar.replaceChildren(...threadTools(thread, person))
    for (const messageId of editing.keys()) if (!thread.messages.some((m) => m.id === messageId)) editing.delete(messageId)
    messages.replaceChildren(...thread.messages.map((message) => messageItem(message, person)))
    reply.element.hidden = !canComment(person)
  }

  const threadTools = (thread: CommentThread, person: Commenter): HTMLElement[] => {
    const tools: HTMLElement[] = []
    if (thread.resolved) tools.push(h('span', { class: 'badge thread-card__badge', text: 'Resolved' }))
    if (canComment(person)) {
      const label = thread.resolved ? 'Reopen' : 'Resolve'
      tools.push(iconButton(label, thread.resolved ? COMMENT_ICONS.reopen : ICONS.check, () => actions.setResolved(id, !thread.resolved)))
    }
    if (canDeleteThread(thread, person)) {
      tools.push(
        iconButton('Delete thread', COMMENT_ICONS.trash, () => {
          void confirmDelete('Delete this thread?', 'The comment and all replies are removed for everyone.').then((yes) => yes && actions.deleteThread(id))
        }),
      )
    }
    return tools
  }

  const messageItem = (message: CommentMessage, person: Commenter): HTMLElement => {
    const dot = h('span', { class: 'comment__dot', attrs: { 'aria-hidden': 'true' } })
    dot.style.backgroundColor = safeColor(message.author.color) ?? FALLBACK_COLOR
    const time = h('time', { class: 'comment__time', text: relativeTime(message.createdAt, Date.now()), attrs: { datetime: new Date(message.createdAt).toISOString(), title: fullTime(message.createdAt), 'data-time': String(message.createdAt) } })
    const head = h('div', { class: 'comment__head' }, [
      dot,
      h('span', { class: 'comment__author', text: message.author.name }),
      time,
      message.editedAt ? h('span', { class: 'comment__edited', text: '(edited)', attrs: { title: `Edited ${fullTime(message.editedAt)}` } }) : null,
    ])
    const own = h('div', { class: 'comment__actions' })
    if (canEditMessage(message, person) && !editing.has(message.id)) {
      own.appendChild(textButton('Edit', () => startEdit(message)))
    }
    if (canDeleteMessage(message, person)) {
      own.appendChild(
        textButton('Delete', () => {
          const last = current.thread.messages.length === 1
          const [title, text] = last ? ['Delete this comment?', 'It is the only one in its thread, so the thread goes too.'] : ['Delete this comment?', 'It is removed for everyone.']
          void confirmDelete(title, text).then((yes) => yes && actions.deleteMessage(id, message.id))
        }),
      )
    }
    if (own.childElementCount > 0) head.appendChild(own)
    const edit = editing.get(message.id)
    return h('li', { class: 'comment', attrs: { 'data-message-id': message.id } }, [head, edit ? edit.element : body(message.body)])
  }

  const startEdit = (message: CommentMessage) => {
    const composer = createComposer({
      label: 'Edit comment',
      placeholder: 'Comment',
      submitLabel: 'Save',
      initial: message.body,
      onSubmit: (body) => {
        editing.delete(message.id)
        if (body !== message.body) actions.edit(id, message.id, body)
        rerender()
      },
      onCancel: () => {
        editing.delete(message.id)
        rerender()
        element.focus()
      },
    })
    editing.set(message.id, composer)
    rerender()
    composer.focus()
  }

  element.addEventListener('click', (event) => {
    if (!(event.target instanceof Element) || event.target.closest('button, a, textarea, input, form')) return
    actions.activate(id)
  })
  element.addEventListener('keydown', (event) => {
    if (event.target === element && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault()
      actions.activate(id)
    }
  })
  return {
    id,
    element,
    update,
    setActive: (active) => element.classList.toggle('is-active', active),
  }
}

/** A message body: text, with plain web links made clickable. */
function body(text: string): HTMLElement {
  return h(
    'p',
    { class: 'comment__body' },
    linkParts(text).map((part) => (part.href ? h('a', { text: part.text, attrs: { href: part.href, rel: 'noopener noreferrer', target: '_blank' } }) : part.text)),
  )
}

function iconButton(label: string, paths: readonly string[], run: () => void): HTMLButtonElement {
  return h('button', { class: 'icon-button icon-button--small', attrs: { type: 'button', 'aria-label': label, title: label }, on: { click: run } }, [icon(paths)])
}

function textButton(label: string, run: () => void): HTMLButtonElement {
  return h('button', { class: 'link-button', text: label, attrs: { type: 'button' }, on: { click: run } })
}

function confirmDelete(title: string, text: string): Promise<boolean> {
  const dialog = createDialog(title, { class: 'dialog--small' })
  dialog.body.appendChild(h('p', { class: 'dialog__intro', text }))
  let confirmed = false
  const remove = h('button', { class: 'button button--danger', text: 'Delete', attrs: { type: 'button' }, on: { click: () => ((confirmed = true), dialog.close()) } })
  const cancel = h('button', { class: 'button', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => dialog.close() } })
  dialog.footer.append(cancel, remove)
  return new Promise((resolve) => {
    dialog.onClose(() => {
      dialog.element.remove()
      resolve(confirmed)
    })
    dialog.open(cancel)
  })
}
