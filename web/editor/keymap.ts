import { baseKeymap, chainCommands, exitCode, joinDown, joinUp, selectParentNode, setBlockType } from 'prosemirror-commands'
import { undoInputRule } from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import { liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import type { Command, Plugin } from 'prosemirror-state'
import { redo, undo } from 'y-prosemirror'
import { insertHorizontalRule, toggleBlock, toggleBlockquote, toggleCode, toggleEm, toggleList, toggleStrong } from './commands.ts'
import { schema } from './schema.ts'

const { nodes } = schema
const mac = typeof navigator !== 'undefined' && /Mac|iP(hone|[oa]d)/.test(navigator.platform)

/**
 * Undo and redo through Yjs's UndoManager, which tracks only this editor's own changes. The key
 * is claimed even when there is nothing to undo, so the browser's native undo never touches the DOM.
 */
const undoOwn: Command = (state) => {
  undo(state)
  return true
}
const redoOwn: Command = (state) => {
  redo(state)
  return true
}

const insertHardBreak: Command = chainCommands(exitCode, (state, dispatch) => {
  dispatch?.(state.tr.replaceSelectionWith(nodes.hard_break.create()).scrollIntoView())
  return true
})

/** Shortcut keys, in the order they are tried; the toolbar's titles name the same keys. */
export const SHORTCUTS = {
  bold: 'Mod-b',
  italic: 'Mod-i',
  code: 'Mod-`',
  link: 'Mod-k',
  paragraph: 'Shift-Ctrl-0',
  heading1: 'Shift-Ctrl-1',
  heading2: 'Shift-Ctrl-2',
  heading3: 'Shift-Ctrl-3',
  bulletList: 'Shift-Ctrl-8',
  orderedList: 'Shift-Ctrl-9',
  blockquote: 'Ctrl->',
  codeBlock: 'Shift-Ctrl-\\',
  horizontalRule: 'Mod-_',
  undo: 'Mod-z',
  redo: 'Shift-Mod-z',
} as const

/** A shortcut as people read it on this platform: "⌘B" on a Mac, "Ctrl+B" elsewhere. */
export function shortcutLabel(key: string): string {
  const parts = key.split('-').filter(Boolean)
  if (key.endsWith('--')) parts.push('-')
  const names = parts.map((part) => {
    if (part === 'Mod') return mac ? '⌘' : 'Ctrl'
    if (part === 'Shift') return mac ? '⇧' : 'Shift'
    if (part === 'Ctrl') return mac ? '⌃' : 'Ctrl'
    return part.length === 1 ? part.toUpperCase() : part
  })
  return mac ? names.join('') : names.join('+')
}

export function editorKeymaps(editLink: Command): Plugin[] {
  const keys: Record<string, Command> = {
    [SHORTCUTS.undo]: undoOwn,
    [SHORTCUTS.redo]: redoOwn,
    'Mod-y': redoOwn,
    Backspace: undoInputRule,
    [SHORTCUTS.bold]: toggleStrong,
    [SHORTCUTS.italic]: toggleEm,
    [SHORTCUTS.code]: toggleCode,
    [SHORTCUTS.link]: editLink,
    [SHORTCUTS.paragraph]: setBlockType(nodes.paragraph),
    [SHORTCUTS.heading1]: toggleBlock(nodes.heading, { level: 1 }),
    [SHORTCUTS.heading2]: toggleBlock(nodes.heading, { level: 2 }),
    [SHORTCUTS.heading3]: toggleBlock(nodes.heading, { level: 3 }),
    [SHORTCUTS.bulletList]: toggleList(nodes.bullet_list),
    [SHORTCUTS.orderedList]: toggleList(nodes.ordered_list),
    [SHORTCUTS.blockquote]: toggleBlockquote(),
    [SHORTCUTS.codeBlock]: toggleBlock(nodes.code_block),
    [SHORTCUTS.horizontalRule]: insertHorizontalRule,
    'Alt-ArrowUp': joinUp,
    'Alt-ArrowDown': joinDown,
    Escape: selectParentNode,
    Enter: splitListItem(nodes.list_item),
    'Mod-[': liftListItem(nodes.list_item),
    'Mod-]': sinkListItem(nodes.list_item),
    'Shift-Enter': insertHardBreak,
    'Mod-Enter': insertHardBreak,
  }
  if (mac) keys['Ctrl-Enter'] = insertHardBreak
  return [keymap(keys), keymap(baseKeymap)]
}
