import { describe, expect, it } from 'vitest'
import { decodeFileName, encodeFileName, MAX_NAME_BYTES } from '../../../server/store/file-name.ts'

describe('encodeFileName', () => {
  it('writes a name as the lowercase hex of its UTF-8 bytes', () => {
    expect(encodeFileName('a/comments')).toBe(Buffer.from('a/comments').toString('hex'))
    expect(encodeFileName('é')).toBe('c3a9')
  })

  it('keeps names that differ only in case apart', () => {
    expect(encodeFileName('a')).toBe('61')
    expect(encodeFileName('A')).toBe('41')
  })

  it.each(['../x', '../../etc/passwd', 'a/comments', '100%', '%2e%2e', '.', '..', 'ünïcödé 文档 🚀', 'NUL\0'])(
    'turns %j into a plain file name that decodes back',
    (name) => {
      const encoded = encodeFileName(name)
      expect(encoded).toMatch(/^[0-9a-f]+$/)
      expect(decodeFileName(encoded)).toBe(name)
    },
  )

  it('rejects the empty name', () => {
    expect(() => encodeFileName('')).toThrow(RangeError)
  })

  it('rejects a name longer than MAX_NAME_BYTES', () => {
    expect(() => encodeFileName('x'.repeat(MAX_NAME_BYTES))).not.toThrow()
    expect(() => encodeFileName('x'.repeat(MAX_NAME_BYTES + 1))).toThrow(RangeError)
  })

  it('rejects a lone surrogate, which has no UTF-8 form', () => {
    expect(() => encodeFileName('a\ud800')).toThrow(RangeError)
  })
})

describe('decodeFileName', () => {
  it.each(['', '6', '4G', '41.0.log', 'ff', 'C3A9'])('rejects %j, which encodeFileName never returns', (encoded) => {
    expect(() => decodeFileName(encoded)).toThrow(RangeError)
  })
})
