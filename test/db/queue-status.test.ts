// Where a submission stands: queue positions across teams and competitions, estimated starts, progress under
// the lease (throttled by the scorer's writer), and the sweep that fails a submission stuck in `running`.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { submissions } from '../../functions/db/schema.js';
import { progressWriter } from '../../functions/scorer/progress.js';
import { startSweeper, stuckAfterSeconds } from '../../functions/scorer/sweeper.js';
import { StaleLeaseError } from '../../functions/services/errors.js';
import {
  claimSubmission,
  completeSubmission,
  failStuckSubmissions,
  getSubmission,
  listSubmissions,
  recordProgress,
  registerTeam,
  type ServiceContext,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, drivers, openTestServices, seedCompetition } from '../helpers/db.js';

const HOST = { kind: 'host' } as const;
const RUNTIME = {
  backend: 'onnxruntime',
  versions: {},
  bundleSha256: 'f'.repeat(64),
  datasetSha256: 'a'.repeat(64),
};

describe.each(drivers())('where a submission stands over %s', (driver) => {
  let t: Awaited<ReturnType<typeof openTestServices>>;
  let ctx: ServiceContext;
  beforeAll(async () => {
    t = await openTestServices(driver, { maxActiveSubmissions: 10 });
    ctx = t.ctx;
  });
  afterAll(() => t?.close());

  async function queued(teamId: string, bundleId: string): Promise<string> {
    t.clock.advance(1_000);
    return (await triggerSubmission(ctx, { teamId, bundleId })).submission.id;
  }
  const claim = async (id: string) => (await claimSubmission(ctx, id))!;
  const finish = (id: string, lease: string) =>
    completeSubmission(ctx, id, lease, {
      public: { correct: 5, total: 10 },
      private: { correct: 5, total: 10 },
      runtime: RUNTIME,
      outputKey: `outputs/${id}.csv`,
    });
  const positions = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await getSubmission(ctx, id, HOST)).queue?.position ?? null));

  it('numbers queued submissions 1..n in creation order across teams and competitions; a claim moves them up', async () => {
    const a = await seedCompetition(ctx, { dailyLimit: 100 });
    const other = await seedCompetition(ctx, { dailyLimit: 100 });
    const b = (await registerTeam(ctx, a.slug, { name: 'Team B', members: ['b'] })).team.id;
    const bb = await addBundle(ctx, b);
    const order = [
      await queued(a.teamId, a.bundleId),
      await queued(b, bb),
      await queued(other.teamId, other.bundleId), // another competition: the same scoring queue
      await queued(a.teamId, a.bundleId),
    ];
    expect(await positions(order)).toEqual([1, 2, 3, 4]);
    // No scored submission yet: no estimate to give.
    const first = await getSubmission(ctx, order[0], HOST);
    expect(first.queue).toEqual({ position: 1, estimatedStartAt: null, estimateSeconds: null });

    const lease = (await claim(order[1])).leaseToken; // a scorer takes B's, out of order (one-shot score)
    expect(await positions(order)).toEqual([1, null, 2, 3]);
    expect((await getSubmission(ctx, order[1], HOST)).queue).toBeNull();

    // A's own list shows the same positions.
    const mine = await listSubmissions(ctx, a.teamId);
    expect(mine.submissions.map((s) => [s.id, s.queue?.position])).toEqual([
      [order[3], 3],
      [order[0], 1],
    ]);

    // Scoring takes 30 s; with B's done, the estimate is median × position ÷ busy scorers (at least 1).
    t.clock.advance(30_000);
    await finish(order[1], lease);
    const three = (await getSubmission(ctx, order[3], HOST)).queue!;
    expect(three.position).toBe(3);
    expect(three.estimateSeconds).toBeCloseTo(90, 6);
    expect(three.estimatedStartAt?.getTime()).toBe(t.clock.now().getTime() + 90_000);
    await claim(order[0]); // two scorers busy now: the wait halves
    await claim(order[2]);
    expect((await getSubmission(ctx, order[3], HOST)).queue).toMatchObject({
      position: 1,
      estimateSeconds: 15,
    });
  });

  it('writes progress under the lease only, shows it while running, and starts each claim from none', async () => {
    const s = await seedCompetition(ctx);
    const id = await queued(s.teamId, s.bundleId);
    const first = await claim(id);
    expect(await recordProgress(ctx, id, first.leaseToken, 4_200, 10_000)).toBe(true);
    expect((await getSubmission(ctx, id, HOST)).progress).toEqual({ done: 4_200, total: 10_000 });
    const second = (await claimSubmission(ctx, id, first.attempt + 1))!; // the worker died: a retry took it
    expect((await getSubmission(ctx, id, HOST)).progress).toBeNull();
    expect(await recordProgress(ctx, id, first.leaseToken, 9_000, 10_000)).toBe(false); // the stale worker
    expect((await getSubmission(ctx, id, HOST)).progress).toBeNull();
    await recordProgress(ctx, id, second.leaseToken, 10_000, 10_000);
    await finish(id, second.leaseToken);
    const done = await getSubmission(ctx, id, HOST);
    expect({ status: done.status, progress: done.progress }).toEqual({ status: 'scored', progress: null });
  });

  it("throttles the scorer's writes: at most one per interval, the last one always", async () => {
    const s = await seedCompetition(ctx);
    const id = await queued(s.teamId, s.bundleId);
    const lease = await claim(id);
    const row = async () => (await ctx.db.select().from(submissions).where(eq(submissions.id, id)))[0];
    let clock = 0;
    const writer = progressWriter({ db: ctx.db }, lease, { intervalMs: 1000, now: () => clock });
    const spy = vi.spyOn(ctx.db, 'update');
    for (let done = 8; done <= 96; done += 8) writer.report(done, 100); // all within one interval
    await writer.flush();
    expect(await row()).toMatchObject({ progressDone: 96, progressTotal: 100 });
    const afterBurst = spy.mock.calls.length;
    expect(afterBurst).toBe(2); // the first report, then the latest on flush
    clock = 1_500;
    writer.report(98, 100);
    writer.report(100, 100); // the final count: written even inside the interval
    await writer.flush();
    expect(await row()).toMatchObject({ progressDone: 100, progressTotal: 100 });
    expect(spy.mock.calls.length - afterBurst).toBe(2); // 98 (a new interval), then 100 on flush
    spy.mockRestore();
  });

  it('fails a submission stuck in running past every limit; a late result is refused; fresh ones stay', async () => {
    const s = await seedCompetition(ctx, { dailyLimit: 100 });
    const stuck = await queued(s.teamId, s.bundleId);
    const lease = await claim(stuck);
    const limit = stuckAfterSeconds({ timeoutSeconds: 60 });
    t.clock.advance((limit + 1) * 1000);
    const fresh = await queued(s.teamId, s.bundleId);
    await claim(fresh);
    const swept = await failStuckSubmissions(ctx, { olderThanSeconds: limit, limitSeconds: 60 });
    const ids = swept.map((x) => x.id); // earlier tests' running submissions are as old: swept too
    expect(ids).toContain(stuck);
    expect(ids).not.toContain(fresh);
    const view = await getSubmission(ctx, stuck, HOST);
    expect(view).toMatchObject({ status: 'failed', error: { code: 'timeout', infrastructure: true } });
    expect(view.error?.message).toMatch(/time limit of 60 s/);
    expect(view.finishedAt?.getTime()).toBe(t.clock.now().getTime());
    expect((await getSubmission(ctx, fresh, HOST)).status).toBe('running');
    await expect(finish(stuck, lease.leaseToken)).rejects.toBeInstanceOf(StaleLeaseError);
  });

  it('the sweeper the service starts does it by itself', async () => {
    const s = await seedCompetition(ctx);
    const id = await queued(s.teamId, s.bundleId);
    await claim(id);
    t.clock.advance((stuckAfterSeconds({ timeoutSeconds: 30 }) + 5) * 1000);
    const stop = startSweeper(ctx, { timeoutSeconds: 30, intervalMs: 50 });
    try {
      await vi.waitFor(async () => expect((await getSubmission(ctx, id, HOST)).status).toBe('failed'), {
        timeout: 10_000,
      });
    } finally {
      await stop();
    }
  });
});
