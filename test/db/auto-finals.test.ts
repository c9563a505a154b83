// Auto finals (Kaggle's rule): a team that selected no finals has its best `finals` public submissions count
// for the private board; with the competition's `autoFinals` off it is not on the private board at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimSubmission,
  completeSubmission,
  leaderboard,
  rebuildStandings,
  registerTeam,
  type ServiceContext,
  selectFinal,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, drivers, openTestServices, seedCompetition } from '../helpers/db.js';

describe.each(drivers())('auto finals over %s', (driver) => {
  let t: Awaited<ReturnType<typeof openTestServices>>;
  let ctx: ServiceContext;
  beforeAll(async () => {
    t = await openTestServices(driver, { maxActiveSubmissions: 10 });
    ctx = t.ctx;
  });
  afterAll(() => t?.close());

  /** Trigger and score one submission with `pub`/`priv` correct out of 10. */
  async function scored(teamId: string, bundleId: string, pub: number, priv: number): Promise<string> {
    t.clock.advance(60_000);
    const { submission } = await triggerSubmission(ctx, { teamId, bundleId });
    const claim = await claimSubmission(ctx, submission.id, 1);
    await completeSubmission(ctx, submission.id, claim!.leaseToken, {
      public: { correct: pub, total: 10 },
      private: { correct: priv, total: 10 },
      runtime: {
        backend: 'onnxruntime',
        versions: {},
        bundleSha256: 'f'.repeat(64),
        datasetSha256: 'a'.repeat(64),
      },
      outputKey: `outputs/${submission.id}.csv`,
    });
    return submission.id;
  }

  /** Two teams: A selects nothing (public 9/6, 8/9, 7/10 → private of its top 2 public: 9), B selects one. */
  async function play(autoFinals: boolean | undefined) {
    const seeded = await seedCompetition(ctx, { dailyLimit: 100, finals: 2, autoFinals });
    const b = (await registerTeam(ctx, seeded.slug, { name: 'Team B', members: ['bea'] })).team.id;
    const bb = await addBundle(ctx, b);
    await scored(seeded.teamId, seeded.bundleId, 9, 6);
    await scored(seeded.teamId, seeded.bundleId, 8, 9); // second best public: its private counts
    await scored(seeded.teamId, seeded.bundleId, 7, 10); // third best public: beyond `finals`, never counts
    const b1 = await scored(b, bb, 5, 7);
    await scored(b, bb, 9, 8);
    await selectFinal(ctx, b, b1, true);
    const board = await leaderboard(ctx, seeded.slug, 'private', { asHost: true });
    const rows = board.rows.map((r) => [r.team, r.score]);
    // The kept rows equal a rebuild from the submissions table (the same rule in both paths).
    await rebuildStandings(ctx, seeded.slug);
    const rebuilt = await leaderboard(ctx, seeded.slug, 'private', { asHost: true });
    expect(rebuilt.rows.map((r) => [r.team, r.score])).toEqual(rows);
    return rows;
  }

  it('is on by default: the best private among the best `finals` public submissions counts', async () => {
    expect(await play(undefined)).toEqual([
      ['Team A', 0.9],
      ['Team B', 0.7],
    ]);
  });

  it('off: a team without a selection is not on the private board; a selection still counts', async () => {
    expect(await play(false)).toEqual([['Team B', 0.7]]);
  });

  it('a selection replaces the automatic ones', async () => {
    const seeded = await seedCompetition(ctx, { dailyLimit: 100, finals: 2 });
    const low = await scored(seeded.teamId, seeded.bundleId, 5, 4);
    await scored(seeded.teamId, seeded.bundleId, 9, 8);
    const board = () => leaderboard(ctx, seeded.slug, 'private', { asHost: true });
    expect((await board()).rows.map((r) => r.score)).toEqual([0.8]);
    await selectFinal(ctx, seeded.teamId, low, true);
    expect((await board()).rows.map((r) => [r.score, r.submissionId])).toEqual([[0.4, low]]);
  });
});
