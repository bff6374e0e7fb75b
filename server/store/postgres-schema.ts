import { escapeIdentifier, type Pool } from 'pg'

// The PostgreSQL store's tables (under an optional schema) and the migrations that create them.

/** Class id of the advisory lock that runs migrations one node at a time. */
const MIGRATION_LOCK_CLASS = 0x636f6c6c

export type Tables = ReturnType<typeof tableNames>

/** The tables' qualified names. */
export function tableNames(schema: string | undefined) {
  const table = (name: string) => (schema === undefined ? name : `${escapeIdentifier(schema)}.${name}`)
  const [migrations, documents, links] = [table('schema_migrations'), table('documents'), table('links')]
  return { migrations, documents, links, updates: table('updates'), snapshots: table('snapshots'), health: table('health') }
}

// Append only, never edited: a node runs every migration its version lacks, in order, in one
// transaction. Names compare as bytes (COLLATE "C"): they are opaque keys, names differing in
// case stay apart, and no locale change can reorder an index.
const MIGRATIONS: ((t: Tables) => string)[] = [
  (t) => `
    CREATE TABLE ${t.documents} (id text COLLATE "C" PRIMARY KEY, created_at timestamptz NOT NULL, title text NOT NULL);
    CREATE TABLE ${t.links} (
      document_id text COLLATE "C" NOT NULL REFERENCES ${t.documents} (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('viewer', 'commenter', 'editor', 'owner')),
      token_hash text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (document_id, role)
    );
    CREATE TABLE ${t.updates} (
      doc_name text COLLATE "C" NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      data bytea NOT NULL,
      PRIMARY KEY (doc_name, seq)
    );
    CREATE TABLE ${t.snapshots} (
      doc_name text COLLATE "C" NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      data bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (doc_name, id)
    );
    CREATE TABLE ${t.health} (id smallint PRIMARY KEY, checked_at timestamptz NOT NULL);`,
]

/** Brings the tables up to date: runs, under a lock, every migration the database lacks. */
export async function migrate(pool: Pool, t: Tables, lockName: string): Promise<void> {
  const client = await pool.connect()
  // A checked-out client has no pool listener: a dropped connection would be an unhandled 'error'.
  const ignore = () => undefined
  client.on('error', ignore)
  try {
    await client.query('BEGIN')
    // Nodes starting together would otherwise race to create the same tables.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, lockName])
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    )
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${t.migrations}`)
    const current = rows[0]?.version ?? 0
    if (current > MIGRATIONS.length) throw new Error(`database schema version ${current} is newer than this server`)
    for (const [index, migration] of MIGRATIONS.entries()) {
      if (index < current) continue
      await client.query(migration(t))
      await client.query(`INSERT INTO ${t.migrations} (version) VALUES ($1)`, [index + 1])
    }
    await client.query('COMMIT')
    client.release()
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    // Released with the error, the client is closed rather than reused in an unknown state.
    client.release(error instanceof Error ? error : new Error(String(error)))
    throw error
  } finally {
    client.off('error', ignore)
  }
}
