import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** Name of the lock file inside DATA_DIR; it holds the pid of the server using the directory. */
export const LOCK_FILE_NAME = 'server.lock'

/** Exclusive use of a DATA_DIR by this process. */
export interface DataDirLock {
  /** Removes the lock file. Safe to call more than once. */
  release(): Promise<void>
}

// Lock files this process holds. A lock file holding our own pid that is not in this set
// was left by an earlier process that had the same pid: in a container the server is pid 1
// after every restart, so "that pid is alive" alone would lock the directory forever.
const heldByThisProcess = new Set<string>()

/**
 * Takes the lock on `dataDir` (which must exist), so that two server processes never write
 * the same files. A lock whose process is gone (killed with -9, say) is taken over. Rejects
 * with a message naming the directory and the pid of the process holding it otherwise.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(path.resolve(dataDir), LOCK_FILE_NAME)
  // The second attempt follows the removal of a stale lock, the third one a lock file that
  // vanished while we read it; a lock changing more often than that is fought over.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(file)) {
      heldByThisProcess.add(file)
      return { release: () => releaseLockFile(file) }
    }
    const holder = await readHolder(file)
    if (holder === 'gone') continue
    if (holder === 'unreadable') {
      throw new Error(
        `DATA_DIR ${path.dirname(file)} is locked by ${file}, which holds no pid; ` +
          'remove that file if no server process uses DATA_DIR',
      )
    }
    if (isAlive(holder, file)) {
      throw new Error(`DATA_DIR ${path.dirname(file)} is in use by another server process (pid ${holder})`)
    }
    await rm(file, { force: true })
  }
  throw new Error(`DATA_DIR ${path.dirname(file)} is being locked by other processes at the same time`)
}

async function createLockFile(file: string): Promise<boolean> {
  try {
    await writeFile(file, `${process.pid}\n`, { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

async function readHolder(file: string): Promise<number | 'gone' | 'unreadable'> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw error
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 'unreadable'
}

function isAlive(pid: number, file: string): boolean {
  if (pid === process.pid) return heldByThisProcess.has(file)
  try {
    // Signal 0 only checks that the process exists.
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

async function releaseLockFile(file: string): Promise<void> {
  if (!heldByThisProcess.delete(file)) return
  await rm(file, { force: true })
}
