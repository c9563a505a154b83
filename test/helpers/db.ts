// Test databases over every driver: PGlite always, real PostgreSQL when TEST_DATABASE_URL is set (fresh DB per file).

import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { type Manifest, parseManifest } from '../../core/bundle/manifest.js';
import { type Database, openDatabase } from '../../functions/db/client.js';
import { type JobQueue, startQueue } from '../../functions/queue/queue.js';
import {
  createCompetition,
  type NewCompetition,
  recordBundle,
  registerTeam,
  type ServiceContext,
} from '../../functions/services/index.js';

export type DriverName = 'pglite' | 'postgres';

/** The drivers to run a suite over: `describe.each(drivers())('... over %s', ...)`. */
export function drivers(): DriverName[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export type TestDatabase = { database: Database; close(): Promise<void> };

/**
 * A migrated database of its own: in-memory PGlite, or a uniquely named database created on the
 * TEST_DATABASE_URL server and dropped by `close()`.
 */
export async function openTestDatabase(driver: DriverName): Promise<TestDatabase> {
  if (driver === 'pglite') {
    const database = await openDatabase({ memory: true });
    return { database, close: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolMax: 25 });
  return {
    database,
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** A settable clock for ServiceContext.now. */
export function testClock(start: Date): { now: () => Date; set(at: Date): void; advance(ms: number): void } {
  let t = start.getTime();
  return { now: () => new Date(t), set: (at) => (t = at.getTime()), advance: (ms) => (t += ms) };
}

/** What openTestServices opens. */
export type TestServices = Awaited<ReturnType<typeof openTestServices>>;

/**
 * Registers, in the enclosing describe, openTestServices(driver, options) in beforeAll and its close in afterAll;
 * returns the live handle (read its fields inside hooks and tests registered after this call).
 *
 * @example
 * describe.each(drivers())('x over %s', (driver) => { const t = useTestServices(driver); it('...', () => seedCompetition(t.ctx)); });
 */
export function useTestServices(
  driver: DriverName,
  options: { maxActiveSubmissions?: number; start?: Date } = {},
): TestServices {
  const t = {} as TestServices;
  beforeAll(async () => {
    Object.assign(t, await openTestServices(driver, options));
  });
  afterAll(() => t.close?.());
  return t;
}

/** Opens a database, starts the queue on it, and builds a ServiceContext (clock, host token) around both. */
export async function openTestServices(
  driver: DriverName,
  options: { maxActiveSubmissions?: number; start?: Date } = {},
): Promise<{
  ctx: ServiceContext;
  clock: ReturnType<typeof testClock>;
  queue: JobQueue;
  database: Database;
  close(): Promise<void>;
}> {
  const test = await openTestDatabase(driver);
  const queue = await startQueue(test.database, { maxAttempts: 3, timeoutSeconds: 60, supervise: false });
  const clock = testClock(options.start ?? new Date('2030-03-10T12:00:00Z'));
  const ctx: ServiceContext = {
    db: test.database.db,
    queue,
    hostToken: 'host-token-for-tests-0123456789',
    maxActiveSubmissions: options.maxActiveSubmissions ?? 3,
    now: clock.now,
  };
  return {
    ctx,
    clock,
    queue,
    database: test.database,
    async close() {
      await queue.stop();
      await test.close();
    },
  };
}

/** A minimal valid manifest for `classes` classes. */
export function manifestFor(classes: number, name = 'test-bundle'): Manifest {
  return parseManifest({
    version: 1,
    name,
    classes,
    input: { size: [8, 8], channels: 1, mean: [0.5], std: [0.5] },
    output: 'logits',
    ensemble: { model: 'model.onnx' },
  });
}

let counter = 0;

/** A unique slug per call (tests share one database per file). */
export function uniqueSlug(prefix = 'c'): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString('hex')}`;
}

/** Items `i0..i{n-1}` with labels cycling over `classes`. */
export function labeledItems(n: number, classes: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    imagePath: `img/${i}.png`,
    label: i % classes,
  }));
}

/** A competition open at the clock's time, with one team and one bundle. */
export async function seedCompetition(
  ctx: ServiceContext,
  overrides: Partial<NewCompetition> = {},
): Promise<{ slug: string; teamId: string; token: string; bundleId: string }> {
  const now = ctx.now ? ctx.now() : new Date();
  const slug = overrides.slug ?? uniqueSlug();
  await createCompetition(ctx, {
    slug,
    title: `Competition ${slug}`,
    classes: 4,
    startsAt: new Date(now.getTime() - 86_400_000),
    endsAt: new Date(now.getTime() + 7 * 86_400_000),
    datasetDir: '/srv/datasets/test',
    datasetSha256: 'a'.repeat(64),
    items: labeledItems(40, 4),
    ...overrides,
  });
  return {
    slug,
    ...(await addTeam(ctx, slug, { name: 'Team A', members: ['ana', 'bo'] }, overrides.classes)),
  };
}

/** Registers a team in competition `slug` and records one bundle for it; returns its id, token and bundle id. */
export async function addTeam(
  ctx: ServiceContext,
  slug: string,
  input: { name: string; members: string[] },
  classes = 4,
): Promise<{ teamId: string; token: string; bundleId: string }> {
  const { team, token } = await registerTeam(ctx, slug, input);
  return { teamId: team.id, token, bundleId: await addBundle(ctx, team.id, classes) };
}

/** Records a bundle with a random sha for `teamId`; returns its id. */
export async function addBundle(ctx: ServiceContext, teamId: string, classes = 4): Promise<string> {
  const sha256 = randomBytes(32).toString('hex');
  const { bundle } = await recordBundle(ctx, {
    teamId,
    sha256,
    sizeBytes: 1234,
    manifest: manifestFor(classes),
    files: [],
    blobKey: `bundles/${sha256}.zip`,
  });
  return bundle.id;
}
