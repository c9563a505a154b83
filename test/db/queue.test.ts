// The scoring queue over every driver: settings written only when they differ, and a dead worker's job retried in time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const first = await start(OPTIONS);
    const stored = await first.boss.getQueue(SCORE_QUEUE);
    expect(stored).toMatchObject(scoreQueueSettings(OPTIONS));
    await new Promise((r) => setTimeout(r, 50));
    await start(OPTIONS);
    const again = await first.boss.getQueue(SCORE_QUEUE);
    expect(again?.updatedOn).toEqual(stored?.updatedOn); // no write at all

    const longer = { ...OPTIONS, timeoutSeconds: 120 };
    await start(longer);
    const changed = await first.boss.getQueue(SCORE_QUEUE);
    expect(changed?.expireInSeconds).toBe(120 + QUEUE_DEFAULTS.expireSlackSeconds);
    expect(changed!.updatedOn.getTime()).toBeGreaterThan(stored!.updatedOn.getTime());
  });

  it('hands a job whose worker died back to the queue once its heartbeat runs out, per the monitor interval', async () => {
    // Fast intervals through QueueOptions: pg-boss's default monitor interval (60 s) would miss the test's limit.
    const queue = await start({
      maxAttempts: 2,
      timeoutSeconds: 60,
      heartbeatSeconds: 10,
      monitorIntervalSeconds: 1,
      superviseIntervalSeconds: 1,
    });
    const submissionId = '22222222-2222-4222-8222-222222222222';
    const id = await test.database.db.transaction((tx) => queue.enqueueScore(tx, { submissionId }));
    const [job] = await queue.boss.fetch(SCORE_QUEUE);
    expect(job?.id).toBe(id); // claimed by a worker that now dies: no heartbeat, no completion
    const claimedAt = Date.now();
    let state = 'active';
    while (state === 'active' && Date.now() - claimedAt < 25_000) {
      await new Promise((r) => setTimeout(r, 250));
      state = (await queue.boss.getJobById(SCORE_QUEUE, id))?.state ?? 'missing';
    }
    expect(state).toBe('retry');
    const seconds = (Date.now() - claimedAt) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(9); // not before the heartbeat ran out
    expect(seconds).toBeLessThan(
      recoverySeconds({ heartbeatSeconds: 10, monitorIntervalSeconds: 1, superviseIntervalSeconds: 1 }),
    );
  }, 40_000);
});
