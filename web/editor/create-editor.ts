import { dropCursor } from 'prosemirror-dropcursor'
import { gapCursor } from 'prosemirror-gapcursor'
import { EditorState, Plugin } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import type { Awareness } from 'y-protocols/awareness'
import { initProseMirrorDoc, yCursorPlugin, ySyncPlugin, yUndoPlugin, yUndoPluginKey } from 'y-prosemirror'
import type * as Y from 'yjs'
import { buildCursor, buildSelection } from './cursors.ts'
import { editorKeymaps } from './keymap.ts'
import { linkCommand } from './link-dialog.ts'
import { markdownInputRules } from './input-rules.ts'
import { placeholder } from './placeholder.ts'
import { schema } from './schema.ts'
import { stickyCaret } from './sticky-caret.ts'
import { createToolbar, type Toolbar } from './toolbar.ts'

export interface Editor {
  view: EditorView
  toolbar: Toolbar
  /** Allows or forbids typing (viewers and commenters, or a revoked link). */
  setEditable(editable: boolean): void
  destroy(): void
}

export interface EditorOptions {
  editable: boolean
  /** More plugins (the comments); they run after the sync plugin, so Yjs already has each edit when their views update. */
  plugins?: Plugin[]
}

/**
 * A ProseMirror editor bound to the `prosemirror` fragment of a Y.Doc: y-prosemirror's sync
 * plugin, remote cursors from `awareness`, an undo manager that only undoes this editor's
 * own changes (it tracks the sync plugin's origin, never the provider's), and a caret that
 * stays after what this person typed when a peer types at the same spot.
 */
export function createEditor(mount: HTMLElement, fragment: Y.XmlFragment, awareness: Awareness, options: EditorOptions): Editor {
  let editable = options.editable
  let view: EditorView | null = null
  const editLink = linkCommand()
  const toolbar = createToolbar(() => view, editLink)

  // The initial content comes from the fragment itself, so the first render already shows the
  // document instead of an empty page that fills in a moment later.
  // (An empty fragment starts from the schema's default doc, one empty paragraph.)
  const initial = fragment.length > 0 ? initProseMirrorDoc(fragment, schema) : null
  const state = EditorState.create({
    schema,
    ...(initial ? { doc: initial.doc } : {}),
    plugins: [
      ySyncPlugin(fragment, initial ? { mapping: initial.mapping } : {}),
      yCursorPlugin(awareness, { cursorBuilder: buildCursor, selectionBuilder: buildSelection }),
      yUndoPlugin(),
      stickyCaret(),
      ...editorKeymaps(editLink),
      markdownInputRules(),
      dropCursor({ color: 'var(--accent)' as string, width: 2 }),
      gapCursor(),
      placeholder('Start writing…'),
      ...(options.plugins ?? []),
      new Plugin({ view: () => ({ update: (current) => toolbar.update(current) }) }),
    ],
  })

  view = new EditorView(mount, {
    state,
    editable: () => editable,
    attributes: { class: 'prose', 'aria-label': 'Document text', 'aria-multiline': 'true', role: 'textbox', spellcheck: 'true' },
  })
  const current = view
  const undoManager = yUndoPluginKey.getState(current.state)?.undoManager
  // Stack changes can land after the view update that caused them (the capture timeout merges edits).
  const refresh = () => toolbar.update(current)
  undoManager?.on('stack-item-added', refresh)
  undoManager?.on('stack-item-popped', refresh)
  toolbar.update(current)

  return {
    view: current,
    toolbar,
    setEditable(next) {
      if (next === editable) return
      editable = next
      current.setProps({ editable: () => editable })
      current.dom.setAttribute('aria-readonly', String(!editable))
      toolbar.update(current)
    },
    destroy() {
      undoManager?.off('stack-item-added', refresh)
      undoManager?.off('stack-item-popped', refresh)
      current.destroy()
    },
  }
}
