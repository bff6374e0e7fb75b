/** Stroke icons for the comments, on the toolbar's 24x24 grid (static path data only). */
export const COMMENT_ICONS = {
  comment: ['M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z', 'M8.5 10.5h7', 'M8.5 13.5h4.5'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12', 'M9 7V4h6v3'],
  reopen: ['M3 12a9 9 0 1 0 3-6.7', 'M3 4v5h5'],
} as const satisfies Record<string, readonly string[]>
