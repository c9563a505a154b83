// Opens the database (embedded PGlite or PostgreSQL via postgres.js), runs the migrations, and types both alike.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type ExtractTablesWithRelations, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Schema = typeof schema;

/** The drizzle database both drivers satisfy: services take this (or a transaction of it). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** A transaction opened with `db.transaction(...)`; also usable wherever a {@link Db} is. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** An open database. `pglite` / `sql` expose the underlying client (pg-boss needs it). */
export type Database =
  | { kind: 'pglite'; db: Db; pglite: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; sql: postgres.Sql; url: string; close(): Promise<void> };

/** Where to open: a PostgreSQL URL, else PGlite in `<dataDir>/pglite`, else (`memory`) PGlite in memory. */
export type DatabaseTarget = {
  databaseUrl?: string;
  dataDir?: string;
  memory?: boolean;
  /** postgres.js pool size (default 10). */
  poolMax?: number;
};

/** The drizzle-kit migrations folder (top-level `migrations/`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Opens the database for `target` and applies pending migrations before returning.
 *
 * @example
 * const database = await openDatabase(loadEnv()); // PGlite under SKETCHBOARD_DATA_DIR, or DATABASE_URL
 * const rows = await database.db.select().from(competitions);
 * await database.close();
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.databaseUrl) return openPostgres(target.databaseUrl, target.poolMax ?? 10);
  if (!target.memory && !target.dataDir) throw new Error('openDatabase: need databaseUrl, dataDir or memory');
  let dir: string | undefined;
  if (!target.memory && target.dataDir) {
    dir = join(target.dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
  }
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  const db = drizzlePglite({ client: pglite, schema });
  try {
    await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    await pglite.close();
    throw err;
  }
  return { kind: 'pglite', db, pglite, close: () => pglite.close() };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema });
  try {
    await migratePostgres(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    await client.end({ timeout: 5 });
    throw err;
  }
  return { kind: 'postgres', db, sql: client, url, close: () => client.end({ timeout: 5 }) };
}

/**
 * Liveness check for `/healthz`: one round trip.
 *
 * @example
 * await ping(database.db); // throws when the database is unreachable
 */
export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
