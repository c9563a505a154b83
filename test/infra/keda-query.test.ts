// The KEDA ScaledJob's trigger query, run on a real database (PGlite always, PostgreSQL with TEST_DATABASE_URL).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../functions/db/client.js';
import { type JobQueue, SCORE_DEAD_QUEUE, SCORE_QUEUE } from '../../functions/queue/queue.js';
import { drivers, openTestServices } from '../helpers/db.js';
import { scaledJobs, triggersOf } from './checks-keda.js';
import { buildModel, loadRawInfra } from './manifest-model.js';

/** The query KEDA polls, exactly as infra/k8s/scale-to-zero/scaledjob.yaml writes it. */
function triggerQuery(): string {
  const [job] = scaledJobs(buildModel(loadRawInfra()));
  const [trigger] = triggersOf(job);
  return String(trigger.metadata.query);
}

/** Runs the query as KEDA does and reads its one integer (either driver's result shape). */
async function queued(database: Database, query: string): Promise<number> {
  const result = (await database.db.execute(sql.raw(query))) as unknown as
    | Record<string, unknown>[]
    | { rows: Record<string, unknown>[] };
  const rows = Array.isArray(result) ? result : result.rows;
  expect(rows).toHaveLength(1);
  return Number(Object.values(rows[0])[0]);
}

describe.each(drivers())('the ScaledJob trigger query over %s', (driver) => {
  const query = triggerQuery();
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let queue: JobQueue;
  const count = () => queued(services.database, query);
  /** Enqueues through the project's queue code, in a transaction as the services do. */
  const enqueue = (n: number) =>
    services.database.db.transaction(async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(await queue.enqueueScore(tx, { submissionId: randomUUID() }));
      return ids;
    });
  const state = async (id: string) => (await queue.boss.getJobById(SCORE_QUEUE, id))?.state;
  const run = (text: string) => services.database.db.execute(sql.raw(text));

  beforeAll(async () => {
    services = await openTestServices(driver);
    queue = services.queue;
  });
  afterAll(async () => {
    await services?.close();
  });
  // Each case starts from an empty job table.
  beforeEach(() => run('DELETE FROM pgboss.job'));

  it('is 0 with nothing queued and N with N queued submissions', async () => {
    expect(await count()).toBe(0);
    await enqueue(1);
    expect(await count()).toBe(1);
    await enqueue(6);
    expect(await count()).toBe(7);
  });

  it('does not count claimed, completed or failed jobs', async () => {
    await enqueue(3);
    const claim = async () => (await queue.boss.fetch(SCORE_QUEUE, { batchSize: 1 }))[0];
    const active = await claim();
    expect(await count()).toBe(2);
    const done = await claim();
    await queue.boss.complete(SCORE_QUEUE, { id: done.id, retryCount: done.retryCount });
    expect(await state(done.id)).toBe('completed');
    expect(await count()).toBe(1);
    const rest = await claim();
    expect(await count()).toBe(0);
    // A job whose retries ran out is failed, not queued.
    const failing = await queue.boss.send(SCORE_QUEUE, { submissionId: randomUUID() }, { retryLimit: 0 });
    expect(await count()).toBe(1);
    const last = await claim();
    expect(last.id).toBe(failing);
    await queue.boss.fail(SCORE_QUEUE, { id: last.id, retryCount: last.retryCount }, { message: 'bad' });
    expect(await state(last.id)).toBe('failed');
    expect(await state(active.id)).toBe('active');
    await queue.boss.complete(
      SCORE_QUEUE,
      [active, rest].map((j) => ({ id: j.id, retryCount: j.retryCount })),
    );
    expect(await count()).toBe(0);
    await enqueue(2);
    expect(await count()).toBe(2);
  });

  it('counts a retry once its delay is over, not while it waits', async () => {
    const [id] = await enqueue(1);
    const [job] = await queue.boss.fetch(SCORE_QUEUE, { batchSize: 1 });
    expect(job.id).toBe(id);
    await queue.boss.fail(SCORE_QUEUE, { id, retryCount: job.retryCount }, { message: 'infra' });
    expect(await state(id)).toBe('retry');
    expect(await count()).toBe(0); // the retry delay (seconds) has not passed
    await run(`UPDATE pgboss.job SET start_after = now() WHERE id = '${id}'`); // ...now it has
    expect(await count()).toBe(1);
    const [again] = await queue.boss.fetch(SCORE_QUEUE, { batchSize: 1 });
    expect(again.id).toBe(id); // and it is what `score --next` claims
    expect(await count()).toBe(0);
  });

  it('does not count jobs of other queues, nor jobs deferred to later', async () => {
    await queue.boss.createQueue('another-queue');
    await queue.boss.send('another-queue', { submissionId: randomUUID() });
    await queue.boss.send(SCORE_DEAD_QUEUE, { submissionId: randomUUID() });
    await queue.boss.send(SCORE_QUEUE, { submissionId: randomUUID() }, { startAfter: 3600 });
    expect(await count()).toBe(0);
    await enqueue(2);
    expect(await count()).toBe(2);
  });
});
