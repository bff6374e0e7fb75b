import { execFile } from 'node:child_process'
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Socket } from 'socket.io-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { type ClientToServerEvents, type JoinReply, type OkReply, type ServerToClientEvents } from '../../shared/protocol.ts'
import { rawSocket } from '../raw-socket.ts'
import type { ProviderError } from '../../shared/provider.ts'
import { connectClient, fingerprint, nextEvent, startTestServer, until } from '../helpers.ts'

const run = promisify(execFile)
type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * A 2 MiB tmpfs, unmounted when the test finishes (after the servers using it closed: cleanups
 * run in reverse order of registration). Resolves to why not when it cannot be mounted.
 */
async function mountSmallDisk(): Promise<{ dir: string } | { why: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'collab-small-disk-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir])
  } catch (error) {
    await rmdir(dir)
    return { why: ((error as { stderr?: string }).stderr?.trim() || String(error)).replace(/\s*\n\s*/g, '; ') }
  }
  onTestFinished(async () => {
    // Lazily, should a failed test have left a file open: the mount goes once nothing uses it.
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]))
    await rmdir(dir)
  })
  return { dir }
}

/** Writes `file` until the file system has no room left; returns the bytes it took. */
async function fillUp(file: string): Promise<number> {
  const handle = await open(file, 'w')
  let written = 0
  try {
    // Smaller and smaller writes, so that not even a partial block stays free.
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x78)
      for (;;) {
        try {
          written += (await handle.write(chunk)).bytesWritten
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
          break
        }
      }
    }
  } finally {
    await handle.close()
  }
  return written
}

/** A raw socket that does not reconnect: a killed server must end the writer's story. */
const connectRaw = async (url: string) => (await rawSocket(url)) as unknown as RawSocket

/** A raw client with a doc of its own, joined to `name`: `write` sends one change as one update and returns the ack. */
async function rawWriter(url: string, name: string, token: string) {
  const socket = await connectRaw(url)
  const doc = new Y.Doc()
  socket.on('update', (_name, update) => Y.applyUpdate(doc, update, socket))
  const reply = await new Promise<JoinReply>((resolve) => socket.emit('join', name, token, Y.encodeStateVector(doc), resolve))
  if (!reply.ok) throw new Error(`join refused: ${reply.code}: ${reply.message}`)
  Y.applyUpdate(doc, reply.update, socket)
  const write = (change: (doc: Y.Doc) => void): Promise<OkReply> => {
    let update: Uint8Array | null = null
    doc.once('update', (u: Uint8Array) => (update = u))
    change(doc)
    return new Promise((resolve) => socket.emit('update', name, update!, resolve))
  }
  return { doc, write }
}

/** True when `doc` holds everything `source` has written itself. */
function hasAllOf(doc: Y.Doc, source: Y.Doc): boolean {
  const own = Y.decodeStateVector(Y.encodeStateVector(source)).get(source.clientID) ?? 0
  return (Y.decodeStateVector(Y.encodeStateVector(doc)).get(source.clientID) ?? 0) >= own
}

const health = (url: string) => fetch(`${url}/healthz`).then((response) => response.status)

/** Re-requests /healthz every 100 ms until it answers `status`; polling is all HTTP offers. */
async function untilHealth(url: string, status: number, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs
  let last = await health(url)
  while (last !== status) {
    if (Date.now() > deadline) throw new Error(`/healthz still answers ${last} after ${limitMs} ms, expected ${status}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    last = await health(url)
  }
}

function paragraph(text: string): Y.XmlElement {
  const element = new Y.XmlElement('paragraph')
  element.insert(0, [new Y.XmlText(text)])
  return element
}

describe('a full disk', () => {
  it('answers unavailable, never ok, turns /healthz to 503, and recovers by itself once there is room again', async (context) => {
    const disk = await mountSmallDisk()
    if ('why' in disk) {
      if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs in CI: ${disk.why}`)
      console.log(`skipping the full-disk test: cannot mount a tmpfs (${disk.why})`)
      context.skip()
      return
    }
    const server = await startTestServer({}, disk.dir)
    const { id, tokens } = await server.createDocument()
    const client = connectClient(server.url, id, tokens.editor)
    await client.whenSynced()
    client.doc.getText('title').insert(0, 'Before the outage')
    await client.whenSaved()
    const { doc: writer, write } = await rawWriter(server.url, id, tokens.editor)
    expect(await health(server.url)).toBe(200)

    const filler = join(disk.dir, 'filler')
    expect(await fillUp(filler)).toBeGreaterThan(0)

    // Larger than a page, so that it cannot slip into the free end of the log's last block.
    const refused = await write((doc) => doc.getXmlFragment('prosemirror').insert(0, [paragraph('written while the disk is full '.repeat(500))]))
    expect(refused).toMatchObject({ ok: false, code: 'unavailable' })
    expect(await health(server.url)).toBe(503)

    const refusal = nextEvent<[ProviderError]>(client, 'error', (error) => error.code === 'unavailable')
    client.doc.getXmlFragment('prosemirror').insert(0, [paragraph('typed during the outage')])
    client.doc.getText('title').insert(0, 'Outage: ')
    await refusal
    expect(client.unsavedUpdates).toBeGreaterThan(0)
    expect(await write((doc) => doc.getText('title').insert(0, 'x'))).toMatchObject({ ok: false, code: 'unavailable' })
    expect(await health(server.url)).toBe(503)

    await rm(filler)
    await untilHealth(server.url, 200)
    // The provider resyncs by itself after refusals, with a backoff.
    await until(() => client.unsavedUpdates === 0, [[client, ['unsaved']]], 'the provider to have everything saved', 20_000)
    expect(await write((doc) => doc.getText('title').insert(0, 'y'))).toEqual({ ok: true })
    await until(() => hasAllOf(client.doc, writer), [[client.doc, ['update']]], 'the last update to reach the provider')
    const expected = fingerprint(client.doc)

    client.destroy()
    await server.close()
    const again = await startTestServer({}, disk.dir)
    const reader = connectClient(again.url, id, tokens.viewer)
    await reader.whenSynced()
    expect(reader.doc.getText('title').toString()).toMatch(/Outage: .*Before the outage/)
    expect(reader.doc.getXmlFragment('prosemirror').toString()).toContain('typed during the outage')
    expect(fingerprint(reader.doc)).toBe(expected)
  })
})
