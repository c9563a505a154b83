// Scorer-side rules over every driver: leases, retries, dead letters, atomic enqueue, job recovery;
// then what teams see: hidden private scores, finals, leaderboards with ties.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { attemptOf, SCORE_QUEUE, type ScoreJobData } from '../../functions/queue/queue.js';
import { isServiceError, type ServiceErrorCode, StaleLeaseError } from '../../functions/services/errors.js';
import {
  abandonSubmission,
  claimSubmission,
  completeSubmission,
  drainDeadLetters,
  failSubmission,
  getSubmission,
  leaderboard,
  listSubmissions,
  loadAnswerKey,
  registerTeam,
  type ScoreResults,
  selectFinal,
  submissionOutputKey,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, drivers, seedCompetition, useTestServices } from '../helpers/db.js';

const code = (c: ServiceErrorCode) => (e: unknown) => isServiceError(e, c);
const stale = (e: unknown) => e instanceof StaleLeaseError;

/** Results with `pub`/`priv` correct out of 10 each. */
function results(id: string, pub: number, priv: number): ScoreResults {
  return {
    public: { correct: pub, total: 10 },
    private: { correct: priv, total: 10 },
    memberScores: [
      { member: '0', model: 'model.onnx', publicAccuracy: pub / 10, privateAccuracy: priv / 10 },
    ],
    imagesPerSecond: 100,
    runtime: {
      backend: 'onnxruntime',
      versions: { ort: '1' },
      bundleSha256: 'f'.repeat(64),
      datasetSha256: 'a'.repeat(64),
    },
    outputKey: `outputs/${id}.csv`,
  };
}

describe.each(drivers())('scoring and standings over %s', (driver) => {
  const t = useTestServices(driver, { maxActiveSubmissions: 10 });

  /** Trigger, claim and score one submission for a team; advances the clock a minute first. */
  async function scored(teamId: string, bundleId: string, pub: number, priv: number): Promise<string> {
    t.clock.advance(60_000);
    const { submission } = await triggerSubmission(t.ctx, { teamId, bundleId });
    const claim = await claimSubmission(t.ctx, submission.id, 1);
    await completeSubmission(t.ctx, submission.id, claim!.leaseToken, results(submission.id, pub, priv));
    return submission.id;
  }

  it('keeps exactly one result per submission: stale leases and replayed attempts are refused', async () => {
    const seeded = await seedCompetition(t.ctx);
    const { submission } = await triggerSubmission(t.ctx, seeded);
    const first = await claimSubmission(t.ctx, submission.id, 1);
    expect(first).toMatchObject({ attempt: 1, bundle: { id: seeded.bundleId }, competition: { classes: 4 } });
    expect(await claimSubmission(t.ctx, submission.id, 1)).toBeNull();
    // The first worker is presumed dead; attempt 2 takes over with a new lease.
    const second = await claimSubmission(t.ctx, submission.id, 2);
    expect(second!.leaseToken).not.toBe(first!.leaseToken);
    await expect(
      completeSubmission(t.ctx, submission.id, first!.leaseToken, results(submission.id, 1, 1)),
    ).rejects.toSatisfy(stale);
    await expect(
      failSubmission(t.ctx, submission.id, first!.leaseToken, { code: 'x', message: 'x', isInfra: true }),
    ).rejects.toSatisfy(stale);
    const done = await completeSubmission(
      t.ctx,
      submission.id,
      second!.leaseToken,
      results(submission.id, 7, 6),
    );
    expect(done).toMatchObject({
      status: 'scored',
      attempt: 2,
      public: { accuracy: 0.7, correct: 7, total: 10 },
    });
    await expect(
      completeSubmission(t.ctx, submission.id, second!.leaseToken, results(submission.id, 9, 9)),
    ).rejects.toSatisfy(stale);
    expect(await claimSubmission(t.ctx, submission.id, 3)).toBeNull();
    expect(await claimSubmission(t.ctx, submission.id)).toBeNull();
    expect(await abandonSubmission(t.ctx, submission.id)).toBe(false);
    const view = await getSubmission(t.ctx, submission.id, { kind: 'host' });
    expect(view.public?.correct).toBe(7);
    await expect(claimSubmission(t.ctx, '00000000-0000-4000-8000-000000000000', 1)).rejects.toSatisfy(
      code('not_found'),
    );
  });

  it('requeues retried infrastructure faults, fails bundle faults, abandons dead letters', async () => {
    const seeded = await seedCompetition(t.ctx);
    const { submission } = await triggerSubmission(t.ctx, seeded);
    const a1 = await claimSubmission(t.ctx, submission.id, 1);
    const requeued = await failSubmission(t.ctx, submission.id, a1!.leaseToken, {
      code: 'node_lost',
      message: 'node lost',
      isInfra: true,
      retry: true,
    });
    expect(requeued.status).toBe('queued');
    const a2 = await claimSubmission(t.ctx, submission.id);
    expect(a2!.attempt).toBe(2);
    const failed = await failSubmission(t.ctx, submission.id, a2!.leaseToken, {
      code: 'timeout',
      message: 'scoring took longer than 60 s',
      isInfra: false,
    });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'timeout', infrastructure: false } });
    // A job whose retries ran out goes to the dead-letter queue; draining it fails its submission as ours.
    const boss = t.queue.boss;
    await boss.updateQueue(SCORE_QUEUE, { retryLimit: 0 });
    let other = '';
    try {
      other = (await triggerSubmission(t.ctx, seeded)).submission.id;
    } finally {
      await boss.updateQueue(SCORE_QUEUE, { retryLimit: 2 });
    }
    const [job] = (await boss.fetch<ScoreJobData>(SCORE_QUEUE, { batchSize: 50 })).filter(
      (j) => j.data.submissionId === other,
    );
    await boss.fail(SCORE_QUEUE, job, { message: 'worker lost' });
    expect(await drainDeadLetters(t.ctx, t.queue)).toBe(1);
    expect((await getSubmission(t.ctx, other, { kind: 'host' })).error).toMatchObject({
      code: 'infra',
      infrastructure: true,
    });
  });

  it('writes a submission and its job atomically, and lets another worker finish a killed worker’s job', async () => {
    const seeded = await seedCompetition(t.ctx);
    const { submissions } = await import('../../functions/db/schema.js');
    await expect(
      t.ctx.db.transaction(async (tx) => {
        await t.queue.enqueueScore(tx, { submissionId: '11111111-1111-4111-8111-111111111111' });
        await tx.select().from(submissions).limit(1);
        throw new Error('abort after enqueue');
      }),
    ).rejects.toThrow(/abort/);
    const orphan = await t.queue.boss.findJobs(SCORE_QUEUE, {
      data: { submissionId: '11111111-1111-4111-8111-111111111111' },
    });
    expect(orphan).toEqual([]);

    const boss = t.queue.boss;
    await boss.updateQueue(SCORE_QUEUE, { expireInSeconds: 1, retryDelay: 0, retryBackoff: false });
    try {
      const { submission } = await triggerSubmission(t.ctx, seeded);
      const mine = (j: { data: ScoreJobData }) => j.data.submissionId === submission.id;
      const [jobA] = (await boss.fetch<ScoreJobData>(SCORE_QUEUE, { batchSize: 50 })).filter(mine);
      const claimA = await claimSubmission(t.ctx, submission.id, attemptOf(jobA));
      // Worker A is killed here: no complete, no heartbeat. Its 1 s expiry passes (the job's start moved
      // 2 s into the past, as pg-boss compares it with the database's now); pg-boss expires and retries it.
      await t.ctx.db.execute(
        sql`update pgboss.job set started_on = started_on - interval '2 seconds' where id = ${jobA.id}::uuid`,
      );
      expect((await boss.getJobById(SCORE_QUEUE, jobA.id))?.state).toBe('active');
      await boss.supervise(SCORE_QUEUE);
      expect((await boss.getJobById(SCORE_QUEUE, jobA.id))?.output).toEqual({
        value: { message: 'job timed out' },
      });
      const [jobB] = (await boss.fetch<ScoreJobData>(SCORE_QUEUE, { batchSize: 50 })).filter(mine);
      expect(jobB.id).toBe(jobA.id);
      expect(attemptOf(jobB)).toBe(2);
      const claimB = await claimSubmission(t.ctx, submission.id, attemptOf(jobB));
      await completeSubmission(t.ctx, submission.id, claimB!.leaseToken, results(submission.id, 5, 5));
      await boss.complete(SCORE_QUEUE, jobB);
      await expect(
        completeSubmission(t.ctx, submission.id, claimA!.leaseToken, results(submission.id, 9, 9)),
      ).rejects.toSatisfy(stale);
      expect((await getSubmission(t.ctx, submission.id, { kind: 'host' })).public?.correct).toBe(5);
    } finally {
      await boss.updateQueue(SCORE_QUEUE, { expireInSeconds: 360, retryDelay: 5, retryBackoff: true });
    }
  });

  it('hides private scores from teams until the end, other teams’ submissions always', async () => {
    const seeded = await seedCompetition(t.ctx, { endsAt: new Date(t.clock.now().getTime() + 3_600_000) });
    const id = await scored(seeded.teamId, seeded.bundleId, 8, 6);
    const team = { kind: 'team', team: { id: seeded.teamId } } as const;
    const before = await getSubmission(t.ctx, id, team);
    expect(before).toMatchObject({ private: null, privateHidden: true, public: { accuracy: 0.8 } });
    expect(before.memberScores?.[0].privateAccuracy).toBeNull();
    expect((await listSubmissions(t.ctx, seeded.teamId)).submissions[0].private).toBeNull();
    expect((await getSubmission(t.ctx, id, { kind: 'host' })).private?.accuracy).toBe(0.6);
    const other = await registerTeam(t.ctx, seeded.slug, { name: 'Nosy', members: ['n'] });
    await expect(getSubmission(t.ctx, id, { kind: 'team', team: { id: other.team.id } })).rejects.toSatisfy(
      code('not_found'),
    );
    await expect(submissionOutputKey(t.ctx, id, { kind: 'anonymous' })).rejects.toSatisfy(code('not_found'));
    expect(await submissionOutputKey(t.ctx, id, team)).toBe(`outputs/${id}.csv`);
    const items = await loadAnswerKey(t.ctx, before.competitionId);
    expect(items.map((i) => i.id).slice(0, 3)).toEqual(['i0', 'i1', 'i2']);
    expect(JSON.stringify([before, await listSubmissions(t.ctx, seeded.teamId)])).not.toMatch(
      /"label"|"split"|img\//,
    );
    t.clock.advance(3_600_000);
    try {
      expect((await getSubmission(t.ctx, id, team)).private?.accuracy).toBe(0.6);
    } finally {
      t.clock.advance(-3_600_000);
    }
  });

  it('selects at most N scored finals, before the end only', async () => {
    const seeded = await seedCompetition(t.ctx, {
      finals: 2,
      endsAt: new Date(t.clock.now().getTime() + 3_600_000),
    });
    const ids = [];
    for (const n of [5, 6, 7]) ids.push(await scored(seeded.teamId, seeded.bundleId, n, n));
    await selectFinal(t.ctx, seeded.teamId, ids[0], true);
    await selectFinal(t.ctx, seeded.teamId, ids[1], true);
    expect((await selectFinal(t.ctx, seeded.teamId, ids[1], true)).selectedFinal).toBe(true);
    await expect(selectFinal(t.ctx, seeded.teamId, ids[2], true)).rejects.toSatisfy(code('conflict'));
    await selectFinal(t.ctx, seeded.teamId, ids[0], false);
    expect((await selectFinal(t.ctx, seeded.teamId, ids[2], true)).selectedFinal).toBe(true);
    const queued = (await triggerSubmission(t.ctx, seeded)).submission.id;
    await selectFinal(t.ctx, seeded.teamId, ids[2], false);
    await expect(selectFinal(t.ctx, seeded.teamId, queued, true)).rejects.toSatisfy(code('conflict'));
    const other = await registerTeam(t.ctx, seeded.slug, { name: 'B', members: ['b'] });
    await expect(selectFinal(t.ctx, other.team.id, ids[0], true)).rejects.toSatisfy(code('not_found'));
    t.clock.advance(3_600_000);
    try {
      await expect(selectFinal(t.ctx, seeded.teamId, ids[0], true)).rejects.toSatisfy(
        code('competition_closed'),
      );
    } finally {
      t.clock.advance(-3_600_000);
    }
  });

  it('ranks best public per team with ties to the earlier submission; private uses finals', async () => {
    const seeded = await seedCompetition(t.ctx, { endsAt: new Date(t.clock.now().getTime() + 3_600_000) });
    const a = { teamId: seeded.teamId, bundleId: seeded.bundleId };
    const b = (await registerTeam(t.ctx, seeded.slug, { name: 'Team B', members: ['bea'] })).team.id;
    const c = (await registerTeam(t.ctx, seeded.slug, { name: 'Team C', members: ['cy', 'cal'] })).team.id;
    const bb = await addBundle(t.ctx, b);
    const cb = await addBundle(t.ctx, c);
    const a1 = await scored(a.teamId, a.bundleId, 8, 6);
    await scored(a.teamId, a.bundleId, 9, 5); // A's best public, earlier than B's 9
    await scored(b, bb, 9, 7);
    await scored(c, cb, 7, 9); // C's best public
    await scored(c, cb, 6, 10); // C's second best public: with no finals selected, the best of its top 2 counts
    await selectFinal(t.ctx, a.teamId, a1, true); // A's private comes from this final
    await abandonSubmission(
      t.ctx,
      (await triggerSubmission(t.ctx, { teamId: b, bundleId: bb })).submission.id,
    );
    t.clock.advance(60_000);
    const failedC = (await triggerSubmission(t.ctx, { teamId: c, bundleId: cb })).submission.id;
    const claim = await claimSubmission(t.ctx, failedC, 1);
    await failSubmission(t.ctx, failedC, claim!.leaseToken, {
      code: 'crash',
      message: 'crashed',
      isInfra: false,
    });

    const pub = await leaderboard(t.ctx, seeded.slug, 'public');
    expect(pub.rows.map((r) => [r.rank, r.team, r.score, r.submissions])).toEqual([
      [1, 'Team A', 0.9, 2],
      [2, 'Team B', 0.9, 1],
      [3, 'Team C', 0.7, 3],
    ]);
    expect(pub.rows[2]).toMatchObject({ members: ['cy', 'cal'], lastSubmissionAt: t.clock.now() });
    await expect(leaderboard(t.ctx, seeded.slug, 'private')).rejects.toSatisfy(code('forbidden'));
    const hostView = await leaderboard(t.ctx, seeded.slug, 'private', { asHost: true });
    expect(hostView.rows.map((r) => [r.team, r.score])).toEqual([
      ['Team C', 1],
      ['Team B', 0.7],
      ['Team A', 0.6],
    ]);
    t.clock.advance(3_600_000);
    try {
      expect((await leaderboard(t.ctx, seeded.slug, 'private')).rows).toEqual(hostView.rows);
      expect((await leaderboard(t.ctx, seeded.slug, 'private')).phase).toBe('ended');
    } finally {
      t.clock.advance(-3_600_000);
    }
  });
});
