// Competitions, teams, bundles and the trigger rules over every driver: window, limits, idempotency, the race.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { teams, testItems } from '../../functions/db/schema.js';
import { SCORE_QUEUE, type ScoreJobData } from '../../functions/queue/queue.js';
import { isServiceError, type ServiceErrorCode } from '../../functions/services/errors.js';
import {
  authenticate,
  claimSubmission,
  createCompetition,
  failSubmission,
  findBundleBySha,
  getCompetition,
  listCompetitions,
  recordBundle,
  registerTeam,
  teamByToken,
  triggerSubmission,
} from '../../functions/services/index.js';
import {
  addBundle,
  drivers,
  labeledItems,
  manifestFor,
  seedCompetition,
  uniqueSlug,
  useTestServices,
} from '../helpers/db.js';

const DAY = 86_400_000;
const code = (c: ServiceErrorCode) => (e: unknown) => isServiceError(e, c);

describe.each(drivers())('competition services over %s', (driver) => {
  const t = useTestServices(driver);

  it('creates a competition with a fixed split and never shows labels, splits or paths', async () => {
    const slug = uniqueSlug('split');
    const created = await createCompetition(t.ctx, {
      slug,
      title: 'Split',
      classes: 4,
      endsAt: new Date(t.clock.now().getTime() + DAY),
      datasetDir: '/srv/secret-dataset-dir',
      datasetSha256: 'b'.repeat(64),
      items: labeledItems(40, 4),
      publicFraction: 0.25,
      splitSeed: 99,
    });
    expect(created.testItems).toEqual({ public: 10, private: 30 });
    expect(created.phase).toBe('open');
    const rows = await t.ctx.db.select().from(testItems).where(eq(testItems.competitionId, created.id));
    // 10 items per class at 0.25: each class gives 2 or 3 (largest remainder settles the total at 10).
    const perClass = [0, 1, 2, 3].map(
      (l) => rows.filter((r) => r.label === l && r.split === 'public').length,
    );
    expect(perClass.every((n) => n === 2 || n === 3)).toBe(true);
    expect(perClass.reduce((a, b) => a + b)).toBe(10);
    const shown = JSON.stringify([await getCompetition(t.ctx, slug), await listCompetitions(t.ctx)]);
    for (const secret of ['label', '"split"', 'secret-dataset-dir', 'splitSeed', 'img/', '"i1"']) {
      expect(shown).not.toContain(secret);
    }
    await expect(
      createCompetition(t.ctx, { ...baseInput(slug), items: labeledItems(4, 4) }),
    ).rejects.toSatisfy(code('conflict'));
  });

  it('validates what a schema cannot', async () => {
    const bad = [
      { slug: 'Bad Slug' },
      { endsAt: new Date(0) },
      { publicFraction: 1 },
      { items: [{ id: 'x', imagePath: 'x.png', label: 4 }, ...labeledItems(3, 4)] },
      { items: [...labeledItems(3, 4), { id: 'i0', imagePath: 'y.png', label: 0 }] },
    ];
    for (const override of bad) {
      await expect(createCompetition(t.ctx, { ...baseInput(uniqueSlug()), ...override })).rejects.toSatisfy(
        code('invalid_argument'),
      );
    }
    await expect(getCompetition(t.ctx, 'no-such-competition')).rejects.toSatisfy(code('not_found'));
  });

  it('registers teams with a hashed token and authenticates host and teams', async () => {
    const { slug } = await seedCompetition(t.ctx);
    const { team, token } = await registerTeam(t.ctx, slug, { name: ' Voters ', members: ['ana'] });
    expect(team.name).toBe('Voters');
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    const [stored] = await t.ctx.db.select().from(teams).where(eq(teams.id, team.id));
    expect(stored.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await authenticate(t.ctx, token)).toEqual({
      kind: 'team',
      team: { id: team.id, competitionId: team.competitionId, name: 'Voters' },
    });
    expect(await authenticate(t.ctx, t.ctx.hostToken!)).toEqual({ kind: 'host' });
    await expect(authenticate(t.ctx, `${token}x`)).rejects.toSatisfy(code('unauthenticated'));
    expect(await teamByToken(t.ctx, 'sb_unknown')).toBeNull();
    await expect(registerTeam(t.ctx, slug, { name: 'Voters', members: ['x'] })).rejects.toSatisfy(
      code('conflict'),
    );
    await expect(registerTeam(t.ctx, slug, { name: 'E', members: [] })).rejects.toSatisfy(
      code('invalid_argument'),
    );
  });

  it('records a bundle once per team and archive, and checks its class count', async () => {
    const { teamId } = await seedCompetition(t.ctx);
    const input = {
      teamId,
      sha256: 'c'.repeat(64),
      sizeBytes: 10,
      manifest: manifestFor(4),
      files: [{ path: 'manifest.json', bytes: 10, sha256: 'f'.repeat(64) }],
      blobKey: 'bundles/c.zip',
    };
    const first = await recordBundle(t.ctx, input);
    const again = await recordBundle(t.ctx, input);
    expect(first.created).toBe(true);
    expect(again).toEqual({ bundle: first.bundle, created: false });
    await expect(
      recordBundle(t.ctx, { ...input, sha256: 'd'.repeat(64), manifest: manifestFor(5) }),
    ).rejects.toSatisfy(code('invalid_bundle'));
  });

  it('finds a team’s bundle by its sha256, never another team’s', async () => {
    const { slug, teamId } = await seedCompetition(t.ctx);
    const other = (await registerTeam(t.ctx, slug, { name: 'Team B', members: ['cy'] })).team.id;
    const sha256 = 'e'.repeat(64);
    expect(await findBundleBySha(t.ctx, teamId, sha256)).toBeNull();
    const input = {
      teamId,
      sha256,
      sizeBytes: 10,
      manifest: manifestFor(4),
      files: [],
      blobKey: 'bundles/e.zip',
    };
    const { bundle } = await recordBundle(t.ctx, input);
    expect(await findBundleBySha(t.ctx, teamId, sha256)).toEqual(bundle);
    expect(await findBundleBySha(t.ctx, other, sha256)).toBeNull();
    expect(await findBundleBySha(t.ctx, teamId, 'E'.repeat(64))).toBeNull();
    expect(await findBundleBySha(t.ctx, 'not-a-uuid', sha256)).toBeNull();
  });

  it('accepts triggers only inside the window and for the team’s own bundle', async () => {
    const now = t.clock.now().getTime();
    const early = await seedCompetition(t.ctx, {
      startsAt: new Date(now + DAY),
      endsAt: new Date(now + 2 * DAY),
    });
    await expect(triggerSubmission(t.ctx, early)).rejects.toSatisfy(code('competition_closed'));
    const late = await seedCompetition(t.ctx, { endsAt: new Date(now + 1000) });
    t.clock.advance(1000);
    try {
      await expect(triggerSubmission(t.ctx, late)).rejects.toSatisfy(code('competition_closed'));
    } finally {
      t.clock.advance(-1000);
    }
    const open = await seedCompetition(t.ctx);
    const other = await registerTeam(t.ctx, open.slug, { name: 'Other', members: ['o'] });
    await expect(
      triggerSubmission(t.ctx, { teamId: other.team.id, bundleId: open.bundleId }),
    ).rejects.toSatisfy(code('not_found'));
    await expect(triggerSubmission(t.ctx, { teamId: open.teamId, bundleId: 'nope' })).rejects.toSatisfy(
      code('not_found'),
    );
    const { submission, created } = await triggerSubmission(t.ctx, open);
    expect(created).toBe(true);
    expect(submission.status).toBe('queued');
    const [job] = await t.queue.boss.findJobs<ScoreJobData>(SCORE_QUEUE, {
      data: { submissionId: submission.id },
    });
    expect(job.data.submissionId).toBe(submission.id);
  });

  it('counts bundle failures but not infrastructure failures against the UTC daily limit', async () => {
    const seeded = await seedCompetition(t.ctx, { dailyLimit: 2 });
    const fail = async (isInfra: boolean) => {
      const { submission } = await triggerSubmission(t.ctx, seeded);
      const claim = await claimSubmission(t.ctx, submission.id, 1);
      await failSubmission(t.ctx, submission.id, claim!.leaseToken, { code: 'x', message: 'x', isInfra });
    };
    await fail(true);
    await fail(false);
    await triggerSubmission(t.ctx, seeded);
    await expect(triggerSubmission(t.ctx, seeded)).rejects.toSatisfy(code('limit_exceeded'));
    t.clock.advance(DAY);
    try {
      expect((await triggerSubmission(t.ctx, seeded)).created).toBe(true);
    } finally {
      t.clock.advance(-DAY);
    }
  });

  it('caps queued-or-running submissions per team', async () => {
    const seeded = await seedCompetition(t.ctx, { dailyLimit: 10 });
    const ids = [];
    for (let i = 0; i < t.ctx.maxActiveSubmissions; i++)
      ids.push((await triggerSubmission(t.ctx, seeded)).submission.id);
    await expect(triggerSubmission(t.ctx, seeded)).rejects.toSatisfy(code('limit_exceeded'));
    const claim = await claimSubmission(t.ctx, ids[0], 1);
    await failSubmission(t.ctx, ids[0], claim!.leaseToken, {
      code: 'crash',
      message: 'bundle crashed',
      isInfra: false,
    });
    expect((await triggerSubmission(t.ctx, seeded)).created).toBe(true);
  });

  it('returns the same submission for a repeated Idempotency-Key, even under concurrency', async () => {
    const seeded = await seedCompetition(t.ctx, { dailyLimit: 3 });
    const tries = await Promise.all(
      Array.from({ length: 6 }, () => triggerSubmission(t.ctx, { ...seeded, idempotencyKey: 'key-1' })),
    );
    expect(new Set(tries.map((r) => r.submission.id)).size).toBe(1);
    expect(tries.filter((r) => r.created)).toHaveLength(1);
    const otherBundle = await addBundle(t.ctx, seeded.teamId);
    await expect(
      triggerSubmission(t.ctx, { teamId: seeded.teamId, bundleId: otherBundle, idempotencyKey: 'key-1' }),
    ).rejects.toSatisfy(code('conflict'));
    await triggerSubmission(t.ctx, seeded);
    await triggerSubmission(t.ctx, seeded);
    await expect(triggerSubmission(t.ctx, seeded)).rejects.toSatisfy(code('limit_exceeded'));
    const retried = await triggerSubmission(t.ctx, { ...seeded, idempotencyKey: 'key-1' });
    expect(retried).toEqual({ submission: tries[0].submission, created: false });
  });

  it('accepts exactly 5 of 20 concurrent triggers at a daily limit of 5, each with its job', async () => {
    const wide = { ...t.ctx, maxActiveSubmissions: 100 };
    const seeded = await seedCompetition(wide, { dailyLimit: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => triggerSubmission(wide, seeded)),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(accepted).toHaveLength(5);
    expect(refused.every((r) => isServiceError(r.reason, 'limit_exceeded'))).toBe(true);
    const jobs = await t.queue.boss.findJobs<ScoreJobData>(SCORE_QUEUE, { limit: 10_000 });
    const jobbed = new Set(jobs.map((j) => j.data.submissionId));
    for (const r of accepted) expect(jobbed.has(r.value.submission.id)).toBe(true);
    // No job without its submission: every refused trigger rolled its enqueue back.
    const { submissions } = await import('../../functions/db/schema.js');
    const known = new Set((await t.ctx.db.select({ id: submissions.id }).from(submissions)).map((r) => r.id));
    expect([...jobbed].filter((id) => !known.has(id))).toEqual([]);
  });
});

function baseInput(slug: string) {
  return {
    slug,
    title: 'T',
    classes: 4,
    endsAt: new Date('2031-01-01T00:00:00Z'),
    datasetDir: '/srv/d',
    datasetSha256: 'e'.repeat(64),
    items: labeledItems(8, 4),
  };
}
