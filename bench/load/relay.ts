// The relay workload: rooms of clients that each insert ~12 characters every `intervalMs`. A few
// clients per room decode what arrives and time it; the others only send and count, so the
// generator stays cheap. Each step of `steps` is one measured rate (the ramp raises it).
import type { BenchClient } from '../clients/client.ts'
import { ProcessWatch } from '../proc.ts'
import { TEXT_NAME } from '../paths.ts'
import { distribution, round, type Distribution } from '../stats.ts'
import { connectAll, createRooms, GeneratorWatch, isGeneratorBound, runGenerator, sleep, type LoadParams } from './generator.ts'

export interface RelayParams extends LoadParams {
  rooms: number
  clientsPerRoom: number
  /** Clients per room that decode and time what arrives. */
  decodersPerRoom: number
  /** Milliseconds between one client's inserts, one entry per measured step. */
  intervalsMs: number[]
  /** Sending before the first window, in ms. */
  firstWarmupMs: number
  /** Sending at a new rate before its window, in ms. */
  warmupMs: number
  measureMs: number
  /** After a window, updates sent in it have this long to arrive before the step is judged. */
  graceMs: number
  /** After the last step, how long to wait for every update to arrive (what has not is lost). */
  drainMs: number
  /** Ends the ramp after a step whose p99 latency passed this (ms); null runs every step. */
  stopAboveP99Ms: number | null
}

export interface RelayStep {
  intervalMs: number
  updatesPerSecond: number
  deliveriesPerSecond: number
  latencyMs: Distribution
  /** Updates sent in the window that a decoding client had not received by the end of the grace period, in %. */
  latePercent: number
  serverCpuPercent: number
  serverCpuUsPerDelivery: number
  serverPeakRssMb: number
  generatorCpuPercent: number
  generatorLoopDelayP99Ms: number
  generatorBound: boolean
  /** Ours: from an insert to the server's ack that it is stored. */
  ackMs?: Distribution
  /** The measured window in epoch ms, to cut a server CPU profile to it. */
  window: { from: number; to: number }
}

export interface RelayResult {
  steps: RelayStep[]
  /** Deliveries to the decoding clients that never arrived (after the drain). */
  lostDeliveries: number
  checkedDeliveries: number
}

/** Generator CPU (% of its core) above which the ramp stops. */
const SATURATED_GENERATOR_PERCENT = 95

/** 12 characters naming the sender and its sequence number: `[ccc:ssssss]` in base 36. */
const CHUNK = /\[([0-9a-z]{3}):([0-9a-z]{6})\]/g
const chunkOf = (sender: number, seq: number) => `[${sender.toString(36).padStart(3, '0')}:${seq.toString(36).padStart(6, '0')}]`

interface Window {
  start: number
  end: number
  latencies: number[]
  acks: number[]
  sends: number
  /** Receipts the decoding clients should make of the window's updates, and made in time. */
  expectedReceipts: number
  receipts: number
}

class Sender {
  seq = 0
  private timer: NodeJS.Timeout | null = null
  private nextAt = 0
  /** Time of the oldest insert not yet acknowledged as stored. */
  unackedSince: number | null = null

  constructor(
    readonly index: number,
    readonly room: number,
    readonly client: BenchClient,
    readonly decodes: boolean,
    private readonly onSend: (sender: Sender, at: number) => void,
  ) {}

  start(intervalMs: () => number): void {
    this.nextAt = performance.now() + Math.random() * intervalMs()
    const tick = () => {
      const now = performance.now()
      this.send(now)
      // Drift-corrected, but never a burst to catch up after a stall.
      this.nextAt = Math.max(this.nextAt + intervalMs(), now)
      this.timer = setTimeout(tick, this.nextAt - performance.now())
    }
    this.timer = setTimeout(tick, this.nextAt - performance.now())
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private send(now: number): void {
    const text = this.client.doc.getText(TEXT_NAME)
    const chunk = chunkOf(this.index, ++this.seq)
    this.onSend(this, now)
    this.unackedSince ??= now
    // A decoding client holds the whole text and types anywhere; a counting one only its own.
    text.insert(this.decodes ? Math.floor(Math.random() * (text.length + 1)) : text.length, chunk)
  }
}

async function relay(params: RelayParams): Promise<RelayResult> {
  const rooms = await createRooms(params, params.rooms)
  const plan = rooms.flatMap((room, r) =>
    Array.from({ length: params.clientsPerRoom }, (_, c) => ({ room, options: { decode: c < params.decodersPerRoom }, r })),
  )
  const connected = await connectAll(params, plan)

  const sentAt = new Map<string, number>()
  const windows: Window[] = []
  const windowAt = (time: number) => windows.find((w) => w.start <= time && time < w.end)
  const current = () => windows.at(-1)
  let intervalMs = params.intervalsMs[0] ?? 500

  const decodersPerRoom = Math.min(params.decodersPerRoom, params.clientsPerRoom)
  const senders = connected.map(({ client }, index) => {
    const room = plan[index]!.r
    return new Sender(index, room, client, plan[index]!.options.decode, (sender, at) => {
      sentAt.set(chunkOf(sender.index, sender.seq), at)
      const w = current()
      if (w && w.start <= at && at < w.end) {
        w.sends++
        w.expectedReceipts += decodersPerRoom - (sender.decodes ? 1 : 0)
      }
    })
  })

  const received = new Map<Sender, number>()
  for (const sender of senders) {
    if (sender.decodes) {
      received.set(sender, 0)
      sender.client.doc.getText(TEXT_NAME).observe((event) => {
        if (event.transaction.local) return
        const now = performance.now()
        for (const op of event.delta) {
          if (typeof op.insert !== 'string') continue
          for (const match of op.insert.matchAll(CHUNK)) {
            const at = sentAt.get(match[0])
            if (at === undefined) continue
            received.set(sender, received.get(sender)! + 1)
            const w = windowAt(at)
            if (w) {
              w.latencies.push(now - at)
              w.receipts++
            }
          }
        }
      })
    }
    sender.client.onSaved?.(() => {
      if (sender.unackedSince === null) return
      windowAt(sender.unackedSince)?.acks.push(performance.now() - sender.unackedSince)
      sender.unackedSince = null
    })
  }

  for (const sender of senders) sender.start(() => intervalMs)
  const steps: RelayStep[] = []
  for (const [index, stepInterval] of params.intervalsMs.entries()) {
    intervalMs = stepInterval
    // Right after 200 joins the server is still settling (compiling, storing the joins).
    await sleep(index === 0 ? params.firstWarmupMs : params.warmupMs)
    const w: Window = { start: performance.now(), end: Infinity, latencies: [], acks: [], sends: 0, expectedReceipts: 0, receipts: 0 }
    windows.push(w)
    const server = new ProcessWatch(params.serverPid)
    const generator = new GeneratorWatch()
    const from = Date.now()
    await sleep(params.measureMs)
    w.end = performance.now()
    const to = Date.now()
    const load = server.stop()
    const own = generator.stop()
    await sleep(params.graceMs)
    const deliveries = w.sends * (params.clientsPerRoom - 1)
    const step: RelayStep = {
      intervalMs: stepInterval,
      updatesPerSecond: round(w.sends / load.wallSeconds),
      deliveriesPerSecond: round(deliveries / load.wallSeconds),
      latencyMs: roundDistribution(distribution(w.latencies)),
      latePercent: round(w.expectedReceipts === 0 ? 0 : (100 * (w.expectedReceipts - w.receipts)) / w.expectedReceipts),
      serverCpuPercent: round((100 * load.cpuSeconds) / load.wallSeconds),
      serverCpuUsPerDelivery: round(deliveries === 0 ? NaN : (load.cpuSeconds * 1e6) / deliveries),
      serverPeakRssMb: round(load.peakRss / 2 ** 20),
      ...own,
      generatorBound: isGeneratorBound(own),
      window: { from, to },
    }
    if (w.acks.length > 0) step.ackMs = roundDistribution(distribution(w.acks))
    steps.push(step)
    process.stderr.write(
      `  ${params.server}: ${step.updatesPerSecond} updates/s, p99 ${step.latencyMs.p99} ms, ${step.serverCpuUsPerDelivery} us/delivery, generator ${step.generatorCpuPercent}% cpu\n`,
    )
    const tooSlow = params.stopAboveP99Ms !== null && (step.latencyMs.p99 > params.stopAboveP99Ms || step.latePercent > 1)
    // A saturated generator measures itself, not the server: a higher rate would tell nothing.
    if (tooSlow || step.generatorCpuPercent > SATURATED_GENERATOR_PERCENT) break
  }
  for (const sender of senders) sender.stop()

  // Every decoding client should have every update of the others in its room.
  const expected = (decoder: Sender) => senders.filter((s) => s.room === decoder.room && s !== decoder).reduce((sum, s) => sum + s.seq, 0)
  const decoders = [...received.keys()]
  const started = performance.now()
  const missing = () => decoders.reduce((sum, d) => sum + expected(d) - received.get(d)!, 0)
  while (missing() > 0 && performance.now() - started < params.drainMs) await sleep(20)
  const result: RelayResult = { steps, lostDeliveries: missing(), checkedDeliveries: decoders.reduce((sum, d) => sum + expected(d), 0) }
  for (const { client } of connected) client.destroy()
  return result
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p99: round(d.p99), max: round(d.max) }
}

runGenerator(relay)
