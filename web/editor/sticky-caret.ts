import { Plugin, TextSelection } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import { relativePositionToAbsolutePosition, ySyncPluginKey, type ProsemirrorBinding } from 'y-prosemirror'
import * as Y from 'yjs'

/**
 * Keeps a person's caret right after what they typed when someone else types at the same spot.
 *
 * After a change from a peer, y-prosemirror puts the caret back from a position tied to the
 * character on its right, or to the end of the text. Text a peer inserts exactly at the caret
 * then lands before it and pushes it along, so two people typing at one spot interleave letter
 * by letter. This plugin ties a collapsed caret to the character on its left (the one just
 * typed) for the duration of a peer's change, so each person's words stay whole.
 */
export function stickyCaret(): Plugin {
  let binding: ProsemirrorBinding | null = null
  let view: EditorView | null = null
  /** The caret, tied to its left, while a peer's change is being applied. */
  let caret: Y.RelativePosition | null = null

  const capture = (transaction: Y.Transaction) => {
    // y-prosemirror took the selection before this round of transactions (its `head` may be tied
    // to the right); the same spot, tied to the left instead:
    const before: { head: Y.RelativePosition | null } | null = binding?.beforeTransactionSelection ?? null
    if (transaction.local || caret || !before?.head || !view?.state.selection.empty || view.composing) return
    const head = Y.createAbsolutePositionFromRelativePosition(before.head, binding!.doc)
    if (head?.type instanceof Y.XmlText) caret = Y.createRelativePositionFromTypeIndex(head.type, head.index, -1)
  }
  const release = () => {
    caret = null
  }
  const attach = (next: ProsemirrorBinding | null) => {
    if (next === binding) return
    binding?.doc.off('beforeTransaction', capture)
    binding?.doc.off('afterAllTransactions', release)
    binding = next
    binding?.doc.on('beforeTransaction', capture)
    binding?.doc.on('afterAllTransactions', release)
  }

  return new Plugin({
    view(editorView) {
      view = editorView
      return {
        // The sync plugin hands its binding over in a transaction after the view exists.
        update: (current) => attach(ySyncPluginKey.getState(current.state)?.binding ?? null),
        destroy: () => {
          attach(null)
          view = null
        },
      }
    },
    appendTransaction(transactions, _before, state) {
      const fromPeer = transactions.some((tr) => tr.getMeta(ySyncPluginKey)?.isChangeOrigin === true)
      if (!fromPeer || !caret || !binding || !state.selection.empty) return null
      const pos = relativePositionToAbsolutePosition(binding.doc, binding.type, caret, binding.mapping)
      if (pos === null || pos === state.selection.head) return null
      return state.tr.setSelection(TextSelection.create(state.doc, pos)).setMeta('addToHistory', false)
    },
  })
}
