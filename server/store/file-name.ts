/**
 * Longest doc name the store accepts, in UTF-8 bytes. Its hex form plus the longest suffix
 * the store adds (`.<generation>.snap.tmp`) stays under the 255-byte file name limit of
 * ext4, XFS, APFS and NTFS.
 */
export const MAX_NAME_BYTES = 100

const ENCODED_PATTERN = /^(?:[0-9a-f]{2})+$/

/**
 * Encodes a doc name as the lowercase hex of its UTF-8 bytes. The result contains only
 * `[0-9a-f]`, so no name can reach outside its directory (`../x` has no `/` or `.` left), and
 * names that differ only in case stay apart on case-insensitive file systems (`a` is `61`, `A`
 * is `41`). Throws a RangeError for an empty or too long name, and for a string with a lone
 * surrogate, which has no UTF-8 form and would share its file with other such strings.
 */
export function encodeFileName(name: string): string {
  const bytes = Buffer.from(name, 'utf8')
  if (bytes.length === 0) throw new RangeError('doc name is empty')
  if (bytes.length > MAX_NAME_BYTES) {
    throw new RangeError(`doc name ${JSON.stringify(name)} is longer than ${MAX_NAME_BYTES} UTF-8 bytes`)
  }
  if (bytes.toString('utf8') !== name) {
    throw new RangeError(`doc name ${JSON.stringify(name)} is not well-formed Unicode`)
  }
  return bytes.toString('hex')
}

/** The doc name `encodeFileName` turned into `encoded`. Throws a RangeError for anything it cannot have produced. */
export function decodeFileName(encoded: string): string {
  const wellFormed = ENCODED_PATTERN.test(encoded) && encoded.length <= 2 * MAX_NAME_BYTES
  const name = wellFormed ? Buffer.from(encoded, 'hex').toString('utf8') : ''
  if (name === '' || Buffer.from(name, 'utf8').toString('hex') !== encoded) {
    throw new RangeError(`${JSON.stringify(encoded)} is not an encoded doc name`)
  }
  return name
}
