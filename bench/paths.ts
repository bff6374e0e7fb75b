import { fileURLToPath } from 'node:url'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** Where runs put what they produce (profiles, caches, server storage); never committed. */
export const OUT_DIR = fileURLToPath(new URL('./.out', import.meta.url))
/** The `Y.Text` every workload edits. */
export const TEXT_NAME = 'text'
