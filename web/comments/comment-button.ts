import type { EditorView } from 'prosemirror-view'
import { h, icon } from '../dom.ts'
import { shortcutLabel } from '../editor/keymap.ts'
import { COMMENT_ICONS } from './icons.ts'

export interface CommentButtons {
  /** The "Comment" button for the toolbar row. */
  readonly toolbarButton: HTMLButtonElement
  /** Shows, hides and moves the buttons for the current selection. */
  update(): void
  destroy(): void
}

/**
 * The ways to start a comment on the selected text: a "Comment" button in the toolbar row, a
 * small one floating in the page margin beside the selection, and the shortcut. All of them
 * work for commenters too, whose text is read-only but still selectable. `may.comment` says the
 * role allows comments (the buttons are hidden otherwise), `may.start` that no other new
 * comment is being written.
 */
export function createCommentButtons(view: EditorView, page: HTMLElement, may: { comment(): boolean; start(): boolean }, start: () => void): CommentButtons {
  const canStart = () => may.comment() && may.start() && hasText(view)
  const title = `Comment (${shortcutLabel('Mod-Alt-M')})`
  const toolbarButton = h('button', { class: 'button button--quiet comment-button', attrs: { type: 'button', title, 'aria-keyshortcuts': mac() ? 'Meta+Alt+M' : 'Control+Alt+M' } }, [
    icon(COMMENT_ICONS.comment),
    h('span', { text: 'Comment' }),
  ])
  const floating = h('button', { class: 'comment-float', attrs: { type: 'button', 'aria-label': 'Comment on the selection', title } }, [icon(COMMENT_ICONS.comment)])
  page.appendChild(floating)
  for (const button of [toolbarButton, floating]) {
    // Keep the editor's selection: it is what the comment is about.
    button.addEventListener('mousedown', (event) => event.preventDefault())
    button.addEventListener('click', () => canStart() && start())
  }

  // Mod-Alt-M, as in the editors people know; matched by the key's place, since ⌥M types "µ" on a Mac.
  const onKey = (event: KeyboardEvent) => {
    const mod = mac() ? event.metaKey : event.ctrlKey
    if (!mod || !event.altKey || event.shiftKey || event.code !== 'KeyM') return
    event.preventDefault()
    if (canStart()) start()
  }
  document.addEventListener('keydown', onKey)

  const update = () => {
    const ready = canStart()
    toolbarButton.hidden = !may.comment()
    toolbarButton.disabled = !ready
    floating.hidden = !ready
    if (ready) place()
  }

  /** In the page's right margin level with the selection; below its end where the margin is too narrow. */
  const place = () => {
    const { from, to } = view.state.selection
    const box = page.getBoundingClientRect()
    const roomy = parseFloat(getComputedStyle(page).paddingRight) >= 56
    if (roomy) {
      floating.style.top = `${view.coordsAtPos(from).top - box.top - 4}px`
      floating.style.left = ''
      return
    }
    const end = view.coordsAtPos(to, -1)
    floating.style.top = `${end.bottom - box.top + 6}px`
    floating.style.left = `${Math.min(Math.max(end.left - box.left - 16, 4), box.width - 40)}px`
  }

  // The page's width decides where the button goes (beside the text or below the selection).
  const resized = new ResizeObserver(() => update())
  resized.observe(page)

  update()
  return {
    toolbarButton,
    update,
    destroy() {
      document.removeEventListener('keydown', onKey)
      resized.disconnect()
      floating.remove()
    },
  }
}

function hasText(view: EditorView): boolean {
  const { from, to, empty } = view.state.selection
  return !empty && view.state.doc.textBetween(from, to, ' ', ' ').trim() !== ''
}

function mac(): boolean {
  return /Mac|iP(hone|[oa]d)/.test(navigator.platform)
}
