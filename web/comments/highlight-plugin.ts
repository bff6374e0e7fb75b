import type { Node } from 'prosemirror-model'
import { Plugin, PluginKey, type EditorState, type Transaction } from 'prosemirror-state'
import { Decoration, DecorationSet, type EditorView } from 'prosemirror-view'
import { ySyncPluginKey } from 'y-prosemirror'
import type * as Y from 'yjs'
import { resolveAnchor, type Anchor, type Placement, type ProsemirrorMapping } from './anchors.ts'
import type { ThreadEntry } from './threads.ts'

/** What the highlights show; its owner dispatches `refreshHighlights` when it changes. */
export interface HighlightSource {
  threads(): readonly ThreadEntry[]
  activeId(): string | null
  /** The text a new comment is being written for. */
  draft(): { anchor: Anchor; quote: string } | null
}

export interface Highlights {
  /** Where each thread's text is now; null for "Original text was deleted". */
  placements: ReadonlyMap<string, Placement>
  draft: Placement
  decorations: DecorationSet
  /** The doc the placements were resolved against through Yjs; for other docs they were only mapped. */
  resolvedFor: Node
}

export const highlightsKey = new PluginKey<Highlights>('comment-highlights')

interface Resolved {
  placements: Map<string, Placement>
  draft: Placement
  doc: Node
}

type Meta = 'refresh' | Resolved

/** Makes the highlights resolve every anchor again (the threads, the active one or the draft changed). */
export function refreshHighlights(view: EditorView): void {
  view.dispatch(view.state.tr.setMeta(highlightsKey, 'refresh' satisfies Meta))
}

/**
 * Highlights the text of each open thread (and of the active one, and of the comment being
 * written) and tells `onChange` whenever a highlight may have moved, so the sidebar can follow.
 *
 * Anchors are relative positions into the Yjs fragment, so they resolve only while Yjs and the
 * editor agree. They do after a remote change, which Yjs applies first. A local edit reaches Yjs
 * only in the sync plugin's view update, so until then the highlights are mapped through the
 * edit, and are resolved again right after it.
 */
export function highlightPlugin(source: HighlightSource, onChange: () => void, onClickThread: (id: string | null) => void): Plugin<Highlights> {
  const build = (resolved: Resolved): Highlights => ({
    placements: resolved.placements,
    draft: resolved.draft,
    decorations: decorate(resolved, source),
    resolvedFor: resolved.doc,
  })

  return new Plugin<Highlights>({
    key: highlightsKey,
    state: {
      init: (_, state) => build(resolveAll(state, source)),
      apply(tr, value, _old, state) {
        const meta = tr.getMeta(highlightsKey) as Meta | undefined
        if (meta && meta !== 'refresh' && meta.doc === state.doc) return build(meta)
        const remote = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin === true
        if (meta || remote) return build(resolveAll(state, source))
        if (!tr.docChanged) return value
        return { ...build(mapAll(value, tr)), resolvedFor: value.resolvedFor }
      },
    },
    props: {
      decorations: (state) => highlightsKey.getState(state)?.decorations,
      handleClick(view, pos) {
        onClickThread(threadAt(highlightsKey.getState(view.state)!, source, pos))
        return false
      },
    },
    view(view) {
      let destroyed = false
      let pending = false
      /** The last doc resolved here, so a selection change does not resolve everything again. */
      let checked: Node | null = null
      const check = () => {
        const current = highlightsKey.getState(view.state)!
        if (current.resolvedFor === view.state.doc || checked === view.state.doc || pending) return
        checked = view.state.doc
        // The sync plugin (earlier in the list) has just sent this edit to Yjs.
        const resolved = resolveAll(view.state, source)
        if (samePlacements(resolved, current)) return
        pending = true
        queueMicrotask(() => {
          pending = false
          if (!destroyed && resolved.doc === view.state.doc) view.dispatch(view.state.tr.setMeta(highlightsKey, resolved satisfies Meta))
        })
      }
      check()
      return {
        update(view, previous) {
          check()
          if (highlightsKey.getState(view.state) !== highlightsKey.getState(previous)) onChange()
        },
        destroy: () => (destroyed = true),
      }
    },
  })
}

function resolveAll(state: EditorState, source: HighlightSource): Resolved {
  const placements = new Map<string, Placement>()
  const sync = ySyncPluginKey.getState(state) as { type?: Y.XmlFragment; binding?: { mapping: ProsemirrorMapping } } | undefined
  const resolve = (anchor: Anchor, quote: string): Placement =>
    sync?.type && sync.binding ? resolveAnchor(sync.type, sync.binding.mapping, state.doc, anchor, quote) : null
  for (const { id, thread } of source.threads()) placements.set(id, resolve(thread.anchor, thread.quote))
  const draft = source.draft()
  return { placements, draft: draft && resolve(draft.anchor, draft.quote), doc: state.doc }
}

function mapAll(value: Highlights, tr: Transaction): Resolved {
  const map = (placement: Placement): Placement => {
    if (!placement) return null
    const from = tr.mapping.map(placement.from, 1)
    const to = tr.mapping.map(placement.to, -1)
    return from < to ? { from, to } : null
  }
  const placements = new Map<string, Placement>()
  for (const [id, placement] of value.placements) placements.set(id, map(placement))
  return { placements, draft: map(value.draft), doc: tr.doc }
}

function samePlacements(resolved: Resolved, current: Highlights): boolean {
  const same = (a: Placement | undefined, b: Placement | undefined) => a === b || (!!a && !!b && a.from === b.from && a.to === b.to)
  if (!same(resolved.draft, current.draft) || resolved.placements.size !== current.placements.size) return false
  for (const [id, placement] of resolved.placements) if (!same(placement, current.placements.get(id))) return false
  return true
}

function decorate(resolved: Resolved, source: HighlightSource): DecorationSet {
  const active = source.activeId()
  const decorations: Decoration[] = []
  for (const { id, thread } of source.threads()) {
    const placement = resolved.placements.get(id)
    // Resolved threads keep their text plain, unless someone opens one from the sidebar.
    if (!placement || (thread.resolved && id !== active)) continue
    const classes = ['comment-mark', id === active && 'comment-mark--active', thread.resolved && 'comment-mark--resolved'].filter(Boolean).join(' ')
    decorations.push(Decoration.inline(placement.from, placement.to, { class: classes }, { threadId: id }))
  }
  if (resolved.draft) decorations.push(Decoration.inline(resolved.draft.from, resolved.draft.to, { class: 'comment-mark comment-mark--draft' }))
  return DecorationSet.create(resolved.doc, decorations)
}

/** The thread whose highlighted text is at `pos`: the active one if it is there, else the shortest range. */
function threadAt(highlights: Highlights, source: HighlightSource, pos: number): string | null {
  const found = highlights.decorations.find(pos, pos, (spec: { threadId?: string }) => spec.threadId !== undefined)
  const ids = found.map((decoration) => (decoration.spec as { threadId: string }).threadId)
  const active = source.activeId()
  if (active && ids.includes(active)) return active
  const length = (id: string) => {
    const placement = highlights.placements.get(id)
    return placement ? placement.to - placement.from : Infinity
  }
  return ids.sort((a, b) => length(a) - length(b))[0] ?? null
}
