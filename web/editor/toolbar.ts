import { setBlockType } from 'prosemirror-commands'
import type { Command, EditorState } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { redoCommand, undoCommand } from 'y-prosemirror'
import { h, icon } from '../dom.ts'
import {
  blockActive,
  innermostWrapper,
  insertHorizontalRule,
  markActive,
  toggleBlock,
  toggleBlockquote,
  toggleCode,
  toggleEm,
  toggleList,
  toggleStrong,
} from './commands.ts'
import { ICONS } from './icons.ts'
import { SHORTCUTS, shortcutLabel } from './keymap.ts'
import { schema } from './schema.ts'

const { nodes, marks } = schema

interface ToolbarItem {
  label: string
  shortcut?: string
  /** An icon, or a short text glyph for the block types ("H1"). */
  icon?: readonly string[]
  glyph?: string
  run: Command
  /** Toggle buttons report their state with aria-pressed. */
  active?: (state: EditorState) => boolean
}

type Group = ToolbarItem[]

function groups(editLink: Command): Group[] {
  const heading = (level: 1 | 2 | 3): ToolbarItem => ({
    label: `Heading ${level}`,
    shortcut: SHORTCUTS[`heading${level}`],
    glyph: `H${level}`,
    run: toggleBlock(nodes.heading, { level }),
    active: (state) => blockActive(state, nodes.heading, { level }),
  })
  return [
    [
      // Yjs's undo manager: only this person's own changes are undone.
      { label: 'Undo', shortcut: SHORTCUTS.undo, icon: ICONS.undo, run: undoCommand },
      { label: 'Redo', shortcut: SHORTCUTS.redo, icon: ICONS.redo, run: redoCommand },
    ],
    [
      { label: 'Normal text', shortcut: SHORTCUTS.paragraph, glyph: 'T', run: setBlockType(nodes.paragraph), active: (state) => blockActive(state, nodes.paragraph) },
      heading(1),
      heading(2),
      heading(3),
    ],
    [
      { label: 'Bold', shortcut: SHORTCUTS.bold, icon: ICONS.bold, run: toggleStrong, active: (state) => markActive(state, marks.strong) },
      { label: 'Italic', shortcut: SHORTCUTS.italic, icon: ICONS.italic, run: toggleEm, active: (state) => markActive(state, marks.em) },
      { label: 'Inline code', shortcut: SHORTCUTS.code, icon: ICONS.code, run: toggleCode, active: (state) => markActive(state, marks.code) },
      { label: 'Link', shortcut: SHORTCUTS.link, icon: ICONS.link, run: editLink, active: (state) => markActive(state, marks.link) },
    ],
    [
      { label: 'Bulleted list', shortcut: SHORTCUTS.bulletList, icon: ICONS.bulletList, run: toggleList(nodes.bullet_list), active: (state) => innermostWrapper(state) === nodes.bullet_list },
      { label: 'Numbered list', shortcut: SHORTCUTS.orderedList, icon: ICONS.orderedList, run: toggleList(nodes.ordered_list), active: (state) => innermostWrapper(state) === nodes.ordered_list },
      { label: 'Quote', shortcut: SHORTCUTS.blockquote, icon: ICONS.blockquote, run: toggleBlockquote(), active: (state) => innermostWrapper(state) === nodes.blockquote },
      { label: 'Code block', shortcut: SHORTCUTS.codeBlock, icon: ICONS.codeBlock, run: toggleBlock(nodes.code_block), active: (state) => blockActive(state, nodes.code_block) },
      { label: 'Divider', shortcut: SHORTCUTS.horizontalRule, icon: ICONS.horizontalRule, run: insertHorizontalRule },
    ],
  ]
}

export interface Toolbar {
  element: HTMLElement
  /** Refreshes active and enabled states; call on every editor state change. */
  update(view: EditorView): void
}

/**
 * The formatting toolbar: one tab stop with arrow-key navigation between buttons (the ARIA
 * toolbar pattern), buttons that keep the editor's selection (no focus steal on mousedown),
 * and aria-pressed on toggles.
 */
export function createToolbar(getView: () => EditorView | null, editLink: Command): Toolbar {
  const buttons: Array<{ button: HTMLButtonElement; item: ToolbarItem }> = []
  const element = h('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Formatting' } })

  for (const group of groups(editLink)) {
    const groupElement = h('div', { class: 'toolbar__group', attrs: { role: 'group' } })
    for (const item of group) {
      const title = item.shortcut ? `${item.label} (${shortcutLabel(item.shortcut)})` : item.label
      const button = h('button', {
        class: 'toolbar__button',
        attrs: { type: 'button', 'aria-label': item.label, title, tabindex: buttons.length === 0 ? '0' : '-1' },
        on: {
          mousedown: (event) => event.preventDefault(),
          click: () => {
            const view = getView()
            if (!view || button.getAttribute('aria-disabled') === 'true') return
            item.run(view.state, view.dispatch, view)
            // Keyboard users stay on the toolbar; pointer users never left the text.
            if (document.activeElement !== button) view.focus()
          },
        },
      })
      if (item.active) button.setAttribute('aria-pressed', 'false')
      if (item.icon) button.appendChild(icon(item.icon))
      else button.appendChild(h('span', { class: 'toolbar__glyph', text: item.glyph ?? '', attrs: { 'aria-hidden': 'true' } }))
      buttons.push({ button, item })
      groupElement.appendChild(button)
    }
    element.appendChild(groupElement)
  }

  element.addEventListener('keydown', (event) => {
    const index = buttons.findIndex(({ button }) => button === document.activeElement)
    if (index < 0) return
    const last = buttons.length - 1
    const next = event.key === 'ArrowRight' ? (index === last ? 0 : index + 1)
      : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1)
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : -1
    if (next < 0) return
    event.preventDefault()
    buttons[index]!.button.tabIndex = -1
    buttons[next]!.button.tabIndex = 0
    buttons[next]!.button.focus()
  })

  return {
    element,
    update(view) {
      const { state } = view
      const editable = view.editable
      for (const { button, item } of buttons) {
        const active = item.active?.(state) ?? false
        // An active toggle stays enabled even when running it again would change nothing ("Normal text").
        const enabled = editable && (active || item.run(state))
        // aria-disabled keeps the button focusable, so arrow-key navigation does not skip it.
        button.setAttribute('aria-disabled', String(!enabled))
        if (item.active) {
          button.setAttribute('aria-pressed', String(active))
          button.classList.toggle('is-active', active)
        }
      }
    },
  }
}
