import { describe, expect, it } from 'vitest'
import { normalizeHref, safeHref } from '../../web/editor/links.ts'

describe('links in documents (web/editor/links.ts)', () => {
  it('renders web and mail links, and nothing that could run script', () => {
    expect(safeHref('https://example.com/a?b#c')).toBe('https://example.com/a?b#c')
    expect(safeHref('mailto:ada@example.com')).toBe('mailto:ada@example.com')
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '/relative', 42, null]) {
      expect(safeHref(bad), String(bad)).toBeNull()
    }
  })

  it('turns what people type into absolute links', () => {
    expect(normalizeHref('example.com/docs')).toBe('https://example.com/docs')
    expect(normalizeHref('  http://example.com ')).toBe('http://example.com/')
    expect(normalizeHref('ada@example.com')).toBe('mailto:ada@example.com')
    expect(normalizeHref('javascript:alert(1)')).toBeNull()
    expect(normalizeHref('')).toBeNull()
  })
})
