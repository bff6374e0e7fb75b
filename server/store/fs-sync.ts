import { open, type FileHandle } from 'node:fs/promises'

/** Writes all of `data`; a short write (the disk filled up midway) is continued, and the next one then reports why. */
export async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset)
    offset += bytesWritten
  }
}

/** fsyncs a file, or a directory to make the creation, rename or removal of its entries durable. */
export function fsyncPath(target: string): Promise<void> {
  return withFile(target, 'r', (handle) => handle.sync())
}

/** Opens a file for the duration of `use`. */
export async function withFile<T>(file: string, flags: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await open(file, flags)
  try {
    return await use(handle)
  } finally {
    await handle.close()
  }
}
