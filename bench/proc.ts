import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, almost always 100). */
export const CLOCK_TICKS = readClockTicks()

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 (utime) and 15 (stime) of the whole line are 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

export interface Memory {
  /** Resident set size now, in bytes (VmRSS). */
  rss: number
  /** The highest resident set size so far, in bytes (VmHWM). */
  peak: number
}

/** A process's memory from /proc/<pid>/status. */
export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kib('VmRSS'), peak: kib('VmHWM') }
}

export interface SettledMemory {
  /** Resident set size, in bytes (the median of a few samples). */
  rss: number
  /** V8 heap in use after the collection, in bytes; NaN when the server did not report it. */
  heapUsed: number
}

/**
 * A bench server's memory after a garbage collection: it collects on SIGUSR2 and writes
 * `process.memoryUsage()` to `memoryFile` (bench/servers/announce.ts).
 */
export async function settledMemory(pid: number, memoryFile: string, samples = 3): Promise<SettledMemory> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
  rmSync(memoryFile, { force: true })
  process.kill(pid, 'SIGUSR2')
  for (let waited = 0; !existsSync(memoryFile) && waited < 3000; waited += 50) await pause(50)
  await pause(200)
  let heapUsed = NaN
  try {
    heapUsed = (JSON.parse(readFileSync(memoryFile, 'utf8')) as { heapUsed: number }).heapUsed
  } catch {
    // Not reported in time: RSS alone.
  }
  const values: number[] = []
  for (let i = 0; i < samples; i++) {
    values.push(memory(pid).rss)
    await pause(100)
  }
  return { rss: values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!, heapUsed }
}

/**
 * Watches one process over a measured window: CPU seconds used and the highest RSS seen
 * (sampled every `everyMs`, since VmHWM also covers what happened before the window).
 */
export class ProcessWatch {
  private readonly cpuAtStart: number
  private readonly startedAt = performance.now()
  private peakRss: number
  private readonly timer: NodeJS.Timeout

  constructor(
    readonly pid: number,
    everyMs = 100,
  ) {
    this.cpuAtStart = cpuSeconds(pid)
    this.peakRss = memory(pid).rss
    this.timer = setInterval(() => this.sample(), everyMs)
  }

  /** Ends the window: CPU seconds used, wall seconds, highest RSS seen and VmHWM. */
  stop(): { cpuSeconds: number; wallSeconds: number; peakRss: number; hwm: number } {
    clearInterval(this.timer)
    const { rss, peak } = memory(this.pid)
    return {
      cpuSeconds: cpuSeconds(this.pid) - this.cpuAtStart,
      wallSeconds: (performance.now() - this.startedAt) / 1000,
      peakRss: Math.max(this.peakRss, rss),
      hwm: peak,
    }
  }

  private sample(): void {
    try {
      this.peakRss = Math.max(this.peakRss, memory(this.pid).rss)
    } catch {
      // The process ended; stop() reports what was seen.
    }
  }
}

/** The machine, for the record of a run. */
export function machine(): { cpus: number; model: string; node: string; loadAverage: [number, number, number] } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number)
  return {
    cpus: cpuinfo.match(/^processor\s*:/gm)?.length ?? 0,
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    node: process.version,
    loadAverage: [one ?? NaN, five ?? NaN, fifteen ?? NaN],
  }
}
