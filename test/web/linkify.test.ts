import { describe, expect, it } from 'vitest'
import { linkParts } from '../../web/comments/linkify.ts'

describe('links in comment bodies (web/comments/linkify.ts)', () => {
  it('makes plain http and https URLs links and leaves the text around them as text', () => {
    expect(linkParts('See https://example.com/plan and http://example.org.')).toEqual([
      { text: 'See ' },
      { text: 'https://example.com/plan', href: 'https://example.com/plan' },
      { text: ' and ' },
      { text: 'http://example.org', href: 'http://example.org/' },
      { text: '.' },
    ])
  })

  it('keeps a closing parenthesis that belongs to the URL, and drops one that closes the sentence', () => {
    expect(linkParts('(see https://en.wikipedia.org/wiki/Rust_(language))')).toEqual([
      { text: '(see ' },
      { text: 'https://en.wikipedia.org/wiki/Rust_(language)', href: 'https://en.wikipedia.org/wiki/Rust_(language)' },
      { text: ')' },
    ])
  })

  it('never links other schemes, and keeps markup as text', () => {
    for (const body of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'mailto:a@b.c', 'https://', 'ftp://example.com']) {
      expect(linkParts(body)).toEqual([{ text: body }])
    }
    // A URL inside markup is still only a web link, with the markup around it as text.
    expect(linkParts('<a href="https://x.y">x</a>')).toEqual([{ text: '<a href="' }, { text: 'https://x.y', href: 'https://x.y/' }, { text: '">x</a>' }])
    expect(linkParts('<img src=x onerror=alert(1)>')).toEqual([{ text: '<img src=x onerror=alert(1)>' }])
  })
})
