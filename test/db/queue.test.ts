// The scoring queue over every driver: settings written only when they differ, and a dead worker's job retried in time.
import { sql } from 'drizzle-orm';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  differingSettings,
  type JobQueue,
  QUEUE_DEFAULTS,
  type QueueOptions,
  recoverySeconds,
  SCORE_QUEUE,
  scoreQueueSettings,
  startQueue,
} from '../../functions/queue/queue.js';
import { drivers, openTestDatabase, type TestDatabase } from '../helpers/db.js';

const OPTIONS: QueueOptions = { maxAttempts: 3, timeoutSeconds: 60, supervise: false };

describe('queue settings (unit)', () => {
  it('retries a killed worker’s job within a minute with the defaults', () => {
    expect(recoverySeconds({})).toBeLessThanOrEqual(60);
    expect(recoverySeconds({ monitorIntervalSeconds: 60 })).toBeGreaterThan(60); // pg-boss's own default
  });

  it('names exactly the settings that differ; a stored null equals nothing set', () => {
    const wanted = scoreQueueSettings(OPTIONS);
    expect(differingSettings({ ...wanted }, wanted)).toEqual([]);
    expect(differingSettings({ ...wanted, retryLimit: 0, expireInSeconds: 1 }, wanted)).toEqual([
      'retryLimit',
      'expireInSeconds',
    ]);
    expect(differingSettings({ ...wanted, heartbeatSeconds: undefined }, wanted)).toEqual([
      'heartbeatSeconds',
    ]);
  });
});

describe.each(drivers())('startQueue over %s', (driver) => {
  let test: TestDatabase;
  const started: JobQueue[] = [];
  const start = async (options: QueueOptions) => {
    const queue = await startQueue(test.database, options);
    started.push(queue);
    return queue;
  };
  beforeAll(async () => {
    test = await openTestDatabase(driver);
  });
  afterAll(async () => {
    for (const queue of started.reverse()) await queue.stop();
    await test?.close();
  });

  it('writes the settings once; a second process with the same values leaves them alone, other values win', async () => {
    const create = vi.spyOn(PgBoss.prototype, 'createQueue');
    const update = vi.spyOn(PgBoss.prototype, 'updateQueue');
    try {
      const first = await start(OPTIONS);
      const stored = await first.boss.getQueue(SCORE_QUEUE);
      expect(stored).toMatchObject(scoreQueueSettings(OPTIONS));
      create.mockClear();
      update.mockClear();
      await start(OPTIONS);
      expect([create.mock.calls, update.mock.calls]).toEqual([[], []]); // no write at all
      const again = await first.boss.getQueue(SCORE_QUEUE);
      expect(again?.updatedOn).toEqual(stored?.updatedOn);

      const longer = { ...OPTIONS, timeoutSeconds: 120 };
      await start(longer);
      expect(create.mock.calls).toEqual([]);
      expect(update.mock.calls).toEqual([[SCORE_QUEUE, scoreQueueSettings(longer)]]);
      const changed = await first.boss.getQueue(SCORE_QUEUE);
      expect(changed?.expireInSeconds).toBe(120 + QUEUE_DEFAULTS.expireSlackSeconds);
      expect(changed!.updatedOn.getTime()).toBeGreaterThan(stored!.updatedOn.getTime());
    } finally {
      create.mockRestore();
      update.mockRestore();
    }
  });

  it('hands a job whose worker died back to the queue once its heartbeat runs out, per the monitor interval', async () => {
    // Fast intervals through QueueOptions: pg-boss's default monitor interval (60 s) would miss the wait's bound.
    const options = { heartbeatSeconds: 10, monitorIntervalSeconds: 1, superviseIntervalSeconds: 1 };
    const queue = await start({ maxAttempts: 2, timeoutSeconds: 60, ...options });
    const submissionId = '22222222-2222-4222-8222-222222222222';
    const id = await test.database.db.transaction((tx) => queue.enqueueScore(tx, { submissionId }));
    const [job] = await queue.boss.fetch(SCORE_QUEUE);
    expect(job?.id).toBe(id); // claimed by a worker that now dies: no heartbeat, no completion
    const state = async () => (await queue.boss.getJobById(SCORE_QUEUE, id))?.state ?? 'missing';
    // Not before the heartbeat ran out: the job carries the 10 s heartbeat, and a supervise pass now leaves it.
    const claimed = await queue.boss.getJobById(SCORE_QUEUE, id);
    expect(claimed?.heartbeatSeconds).toBe(10);
    await queue.boss.supervise(SCORE_QUEUE);
    expect(await state()).toBe('active');
    const beat = claimed?.heartbeatOn?.getTime() ?? Number.NaN;
    // Its heartbeat runs out: the last one moved 11 s into the past (pg-boss compares it with the database's now).
    await test.database.db.execute(
      sql`update pgboss.job set heartbeat_on = heartbeat_on - interval '11 seconds' where id = ${id}::uuid`,
    );
    expect((await queue.boss.getJobById(SCORE_QUEUE, id))?.heartbeatOn?.getTime()).toBe(beat - 11_000);
    // The queue's own supervisor (no supervise call here) hands it back within its worst case.
    await expect.poll(state, { timeout: recoverySeconds(options) * 1000, interval: 250 }).toBe('retry');
    expect((await queue.boss.getJobById(SCORE_QUEUE, id))?.output).toEqual({
      value: { message: 'job heartbeat timeout' },
    });
  }, 40_000);
});
