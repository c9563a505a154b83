// Kept standings over every driver: after a random sequence of scores, failures, infra faults, dead letters
// and final toggles, the rows kept transaction by transaction equal a rebuild from the submissions table,
// and each board change raises the competition's board version.
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { standings } from '../../functions/db/schema.js';
import {
  abandonSubmission,
  boardState,
  claimSubmission,
  completeSubmission,
  failSubmission,
  leaderboard,
  rebuildStandings,
  registerTeam,
  type ServiceContext,
  selectFinal,
  standingOf,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, drivers, seedCompetition, useTestServices } from '../helpers/db.js';

const RUNTIME = {
  backend: 'onnxruntime',
  versions: {},
  bundleSha256: 'f'.repeat(64),
  datasetSha256: 'a'.repeat(64),
};

/** Every kept row of a competition, in a fixed order. */
async function keptRows(ctx: ServiceContext, competitionId: string) {
  return ctx.db
    .select()
    .from(standings)
    .where(eq(standings.competitionId, competitionId))
    .orderBy(asc(standings.split), asc(standings.teamId));
}

describe.each(drivers())('kept standings over %s', (driver) => {
  const t = useTestServices(driver, { maxActiveSubmissions: 50 });

  it('equal a rebuild after a random sequence of scores, failures and final toggles (seeds 1-3)', async () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const seeded = await seedCompetition(t.ctx, { dailyLimit: 1000, finals: 2 });
      const teams = [{ id: seeded.teamId, bundle: seeded.bundleId }];
      for (const name of ['B', 'C', 'D']) {
        const { team } = await registerTeam(t.ctx, seeded.slug, { name: `Team ${name}`, members: [name] });
        teams.push({ id: team.id, bundle: await addBundle(t.ctx, team.id) });
      }
      const { competitionId } = await boardState(t.ctx, seeded.slug);
      const scored: { id: string; teamId: string }[] = [];
      let lastVersion = (await boardState(t.ctx, seeded.slug)).boardVersion;
      for (let step = 0; step < 40; step++) {
        t.clock.advance(60_000);
        const team = teams[rng.int(0, teams.length - 1)];
        const roll = rng.next();
        if (roll < 0.25 && scored.length > 0) {
          const pick = scored[rng.int(0, scored.length - 1)];
          try {
            await selectFinal(t.ctx, pick.teamId, pick.id, rng.next() < 0.7);
          } catch (err) {
            expect((err as { code?: string }).code).toBe('conflict'); // more than `finals` selected
          }
        } else {
          const { submission } = await triggerSubmission(t.ctx, { teamId: team.id, bundleId: team.bundle });
          // Some stay queued, never claimed: they count on the team's row (submissions, last time) as they are.
          if (roll >= 0.92) continue;
          const claim = await claimSubmission(t.ctx, submission.id, 1);
          if (!claim) throw new Error('claim refused');
          if (roll < 0.7) {
            const pub = rng.int(0, 10); // ties are frequent: 11 possible scores
            await completeSubmission(t.ctx, submission.id, claim.leaseToken, {
              public: { correct: pub, total: 10 },
              private: { correct: rng.int(0, 10), total: 10 },
              runtime: RUNTIME,
              outputKey: `outputs/${submission.id}.csv`,
            });
            scored.push({ id: submission.id, teamId: team.id });
          } else if (roll < 0.8) {
            await failSubmission(t.ctx, submission.id, claim.leaseToken, {
              code: 'crash',
              message: 'the bundle crashed',
              isInfra: false,
            });
          } else if (roll < 0.9) {
            await failSubmission(t.ctx, submission.id, claim.leaseToken, {
              code: 'infra',
              message: 'node lost',
              isInfra: true,
            });
          } else if (roll < 0.88) {
            expect(await abandonSubmission(t.ctx, submission.id)).toBe(true);
          } else {
            // Back to queued for a retry: it still counts.
            await failSubmission(t.ctx, submission.id, claim.leaseToken, {
              code: 'infra',
              message: 'retry later',
              isInfra: true,
              retry: true,
            });
          }
        }
        const version = (await boardState(t.ctx, seeded.slug)).boardVersion;
        expect(version, `seed ${seed} step ${step}`).toBeGreaterThanOrEqual(lastVersion);
        lastVersion = version;
      }
      // Last, a ranked team's new submission stays queued: its row's count and last time move at the trigger.
      const ranked = (await leaderboard(t.ctx, seeded.slug, 'public')).rows[0];
      const owner = teams.find((x) => x.id === ranked.teamId)!;
      t.clock.advance(60_000);
      await triggerSubmission(t.ctx, { teamId: owner.id, bundleId: owner.bundle });
      const kept = await keptRows(t.ctx, competitionId);
      expect(kept.length).toBeGreaterThan(0);
      const rebuilt = await rebuildStandings(t.ctx, seeded.slug);
      expect(await keptRows(t.ctx, competitionId), `seed ${seed}`).toEqual(kept);
      expect(rebuilt.teams.public).toBe(kept.filter((r) => r.split === 'public').length);
      expect(rebuilt.boardVersion).toBeGreaterThan(lastVersion);
    }
  });

  it('a score raises the board version and shows on the board; a page is a window of the ranking', async () => {
    const seeded = await seedCompetition(t.ctx);
    const before = (await boardState(t.ctx, seeded.slug)).boardVersion;
    const ids: string[] = [];
    const names = ['P', 'Q', 'R', 'S', 'T'];
    for (const [i, name] of names.entries()) {
      const { team } = await registerTeam(t.ctx, seeded.slug, { name, members: [name] });
      const bundleId = await addBundle(t.ctx, team.id);
      t.clock.advance(60_000);
      const { submission } = await triggerSubmission(t.ctx, { teamId: team.id, bundleId });
      const claim = await claimSubmission(t.ctx, submission.id, 1);
      await completeSubmission(t.ctx, submission.id, claim!.leaseToken, {
        public: { correct: 10 - i, total: 10 },
        private: { correct: i, total: 10 },
        runtime: RUNTIME,
        outputKey: `outputs/${submission.id}.csv`,
      });
      ids.push(team.id);
    }
    expect((await boardState(t.ctx, seeded.slug)).boardVersion).toBeGreaterThan(before);
    const all = await leaderboard(t.ctx, seeded.slug, 'public');
    expect(all.rows.map((r) => r.team)).toEqual(names);
    expect(all.total).toBe(5);
    const page = await leaderboard(t.ctx, seeded.slug, 'public', { limit: 2, offset: 2 });
    expect(page.rows.map((r) => [r.rank, r.team])).toEqual([
      [3, 'R'],
      [4, 'S'],
    ]);
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
    const { competitionId } = await boardState(t.ctx, seeded.slug);
    expect(await standingOf(t.ctx, competitionId, 'public', ids[3])).toMatchObject({ rank: 4, team: 'S' });
    expect(await standingOf(t.ctx, competitionId, 'public', seeded.teamId)).toBeNull(); // never scored
    const host = await leaderboard(t.ctx, seeded.slug, 'private', { asHost: true });
    expect(host.rows.map((r) => r.team)).toEqual([...names].reverse());
  });
});
