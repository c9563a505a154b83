// A scorer test bench over one driver: database, fast-retry queue, blob folder, a competition on the tiny sketch set, bundle uploads.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { fromPglite, PgBoss } from 'pg-boss';
import { expect } from 'vitest';
import { digestBundle } from '../../core/bundle/digest.js';
import { openBundle } from '../../core/bundle/open.js';
import type { Database } from '../../functions/db/client.js';
import { type SubmissionRow, submissions } from '../../functions/db/schema.js';
import { type JobQueue, SCORE_QUEUE, startQueue } from '../../functions/queue/queue.js';
import type { ScorerDeps } from '../../functions/scorer/attempt.js';
import {
  type RunningScorer,
  type StartScorerOptions,
  scorerDeps,
  startScorer,
} from '../../functions/scorer/worker.js';
import {
  createCompetition,
  recordBundle,
  registerTeam,
  type ServiceContext,
  triggerSubmission,
} from '../../functions/services/index.js';
import { type BlobStore, bundleKey } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';
import { type DriverName, openTestDatabase, type TestDatabase, uniqueSlug } from '../helpers/db.js';
import { CLASSES, type SketchSet } from './fixtures.js';

/** The scorer's environment in tests: one job at a time, 60 s and 2 GB per run, 3 attempts. */
export const TEST_ENV: StartScorerOptions['env'] = {
  maxActiveSubmissions: 10,
  scorer: { concurrency: 1, timeoutSeconds: 60, memoryMb: 2048, maxAttempts: 3, embedded: false },
};

/** A submission's final statuses (wait for them with `expect.poll(async () => (await h.row(id)).status)`). */
export const FINAL = /^(scored|failed)$/;

/** Fast queue settings for tests: heartbeats of 10 s (pg-boss minimum), no retry delay. */
export async function fastQueue(queue: JobQueue): Promise<void> {
  await queue.boss.updateQueue(SCORE_QUEUE, { heartbeatSeconds: 10, retryDelay: 0, retryBackoff: false });
}

/**
 * A pg-boss instance that only supervises, every second: pg-boss checks heartbeats once per
 * monitor interval (default 60 s), which the service's queue does not shorten.
 */
export async function fastSupervisor(database: Database): Promise<PgBoss> {
  const target =
    database.kind === 'pglite'
      ? { db: fromPglite(database.pglite), backend: 'pglite' as const }
      : { connectionString: database.url, max: 2 };
  const boss = new PgBoss({
    ...target,
    supervise: true,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    migrate: false,
    schedule: false,
    registerInstance: false,
  });
  boss.on('error', () => {});
  await boss.start();
  return boss;
}

export type Harness = {
  driver: DriverName;
  test: TestDatabase;
  ctx: ServiceContext;
  queue: JobQueue;
  blobs: BlobStore;
  /** SKETCHBOARD_DATA_DIR for child CLI processes: blobs live in `<dataDir>/blobs`. */
  dataDir: string;
  deps(over?: Partial<StartScorerOptions>): ScorerDeps;
  /** An in-process scorer: TEST_ENV, 1 thread, polling every 0.5 s, plus `over`. Stop it. */
  startScorer(over?: Partial<StartScorerOptions>): Promise<RunningScorer>;
  /** Run `startScorer(over)` until every submission of `ids` is final (scored or failed, 60 s at most), then stop it. */
  scoreUntilFinal(ids: string[], over?: Partial<StartScorerOptions>): Promise<void>;
  /** A competition on the sketch set with one team; returns the team id. */
  competition(opts?: { dailyLimit?: number; datasetDir?: string }): Promise<string>;
  /** Store and record a bundle zip for a team; `missingBlob` records it without storing the file. */
  upload(teamId: string, zip: string, opts?: { missingBlob?: boolean }): Promise<string>;
  trigger(teamId: string, bundleId: string): Promise<string>;
  row(submissionId: string): Promise<SubmissionRow>;
  close(): Promise<void>;
};

/** Open a harness whose data folder is `<root>/<driver>`. */
export async function openHarness(driver: DriverName, root: string, set: SketchSet): Promise<Harness> {
  const test = await openTestDatabase(driver);
  const queue = await startQueue(test.database, {
    maxAttempts: 3,
    timeoutSeconds: 60,
    heartbeatSeconds: 10,
    supervise: false,
  });
  await fastQueue(queue);
  const supervisor = await fastSupervisor(test.database);
  const dataDir = join(root, driver);
  const blobs = createLocalBlobStore(join(dataDir, 'blobs'));
  const ctx: ServiceContext = { db: test.database.db, queue, maxActiveSubmissions: 10 };
  const row = async (id: string) => {
    const [r] = await ctx.db.select().from(submissions).where(eq(submissions.id, id));
    return r;
  };
  const scorer = (over: Partial<StartScorerOptions> = {}) =>
    startScorer({
      db: ctx.db,
      queue,
      blobs,
      env: TEST_ENV,
      options: { threads: 1 },
      pollingIntervalSeconds: 0.5,
      ...over,
    });
  return {
    driver,
    test,
    ctx,
    queue,
    blobs,
    dataDir,
    deps: (over = {}) =>
      scorerDeps({
        db: ctx.db,
        blobs,
        env: TEST_ENV,
        workRoot: join(dataDir, 'work'),
        options: { threads: 1 },
        ...over,
      }),
    startScorer: scorer,
    async scoreUntilFinal(ids, over) {
      const running = await scorer(over);
      await expect
        .poll(async () => Promise.all(ids.map(async (id) => (await row(id)).status)), { timeout: 60_000 })
        .toEqual(ids.map(() => expect.stringMatching(FINAL)))
        .finally(() => running.stop());
    },
    async competition(opts = {}) {
      const slug = uniqueSlug('score');
      const now = Date.now();
      await createCompetition(ctx, {
        slug,
        title: slug,
        classes: CLASSES,
        startsAt: new Date(now - 86_400_000),
        endsAt: new Date(now + 86_400_000),
        dailyLimit: opts.dailyLimit ?? 20,
        datasetDir: opts.datasetDir ?? set.testDir,
        datasetSha256: 'b'.repeat(64),
        items: set.items,
      });
      const { team } = await registerTeam(ctx, slug, { name: 'Team S', members: ['ada'] });
      return team.id;
    },
    async upload(teamId, zip, opts = {}) {
      const bundle = await openBundle(zip);
      const files = await digestBundle(bundle);
      await bundle.dispose();
      if (!opts.missingBlob) await blobs.putFile(bundleKey(bundle.sha256), zip);
      const { bundle: view } = await recordBundle(ctx, {
        teamId,
        sha256: bundle.sha256,
        sizeBytes: bundle.sizeBytes,
        manifest: bundle.manifest,
        files,
        blobKey: bundleKey(bundle.sha256),
      });
      return view.id;
    },
    async trigger(teamId, bundleId) {
      return (await triggerSubmission(ctx, { teamId, bundleId })).submission.id;
    },
    row,
    async close() {
      await supervisor.stop({ graceful: false, close: true });
      await queue.stop();
      await test.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
