import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { LOCK_FILE_NAME, lockDataDir } from '../../../server/store/data-dir-lock.ts'

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'data-dir-lock-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await once(child, 'exit')
  return child.pid!
}

describe('lockDataDir', () => {
  it('writes its pid into the lock file and removes the file on release', async () => {
    const dir = await tempDir()
    const lock = await lockDataDir(dir)
    expect((await readFile(path.join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid))
    await lock.release()
    await expect(access(path.join(dir, LOCK_FILE_NAME))).rejects.toThrow(/ENOENT/)
  })

  it('refuses a directory that is locked, naming the directory and the pid', async () => {
    const dir = await tempDir()
    const lock = await lockDataDir(dir)
    onTestFinished(() => lock.release())
    await expect(lockDataDir(dir)).rejects.toThrow(
      `DATA_DIR ${dir} is in use by another server process (pid ${process.pid})`,
    )
  })

  it('locks a directory again once it was released', async () => {
    const dir = await tempDir()
    await (await lockDataDir(dir)).release()
    const lock = await lockDataDir(dir)
    await lock.release()
  })

  it('refuses a directory locked by another live process', async () => {
    const dir = await tempDir()
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    onTestFinished(() => void child.kill())
    await once(child, 'spawn')
    await writeFile(path.join(dir, LOCK_FILE_NAME), `${child.pid}\n`)
    await expect(lockDataDir(dir)).rejects.toThrow(`is in use by another server process (pid ${child.pid})`)
  })

  it('takes over a lock left by a process that died', async () => {
    const dir = await tempDir()
    await writeFile(path.join(dir, LOCK_FILE_NAME), `${await deadPid()}\n`)
    const lock = await lockDataDir(dir)
    expect((await readFile(path.join(dir, LOCK_FILE_NAME), 'utf8')).trim()).toBe(String(process.pid))
    await lock.release()
  })

  it('takes over a lock holding its own pid that it does not hold, as after a container restart', async () => {
    const dir = await tempDir()
    await writeFile(path.join(dir, LOCK_FILE_NAME), `${process.pid}\n`)
    const lock = await lockDataDir(dir)
    await lock.release()
  })

  it('refuses a lock file that holds no pid rather than guess', async () => {
    const dir = await tempDir()
    await writeFile(path.join(dir, LOCK_FILE_NAME), '')
    await expect(lockDataDir(dir)).rejects.toThrow(/holds no pid/)
  })
})
