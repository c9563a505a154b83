// Seeds the leaderboard benchmark's competition: teams through the services, submissions through them or in bulk.
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { parseManifest } from '../../core/bundle/manifest.js';
import { mixSeed, Rng } from '../../core/rng.js';
import { submissions } from '../../functions/db/schema.js';
import * as services from '../../functions/services/index.js';
import {
  createCompetition,
  recordBundle,
  registerTeam,
  type ServiceContext,
} from '../../functions/services/index.js';
import { outputKey } from '../../functions/storage/blob.js';
import {
  BENCH_FAILURE,
  BENCH_RUNTIME,
  type BenchTeam,
  drawOutcome,
  type Outcome,
  type SplitTotals,
  scoreThroughServices,
} from './board-writer.js';

export type SeedOptions = {
  teams: number;
  perTeam: number;
  /** Share of submissions the bundle fails (counted, never infra). */
  failRate: number;
  seed: number;
  /** Seed through the services only while the whole seed is estimated to fit in this many seconds. */
  budgetSeconds: number;
  /** Submissions to time through the services before estimating (whole teams). */
  probe: number;
  /** Teams seeded at once (each team's submissions stay in time order). */
  concurrency: number;
};

export type SeedReport = {
  slug: string;
  teams: BenchTeam[];
  totals: SplitTotals;
  seconds: number;
  lines: string[];
};

const DAY_MS = 86_400_000;
const CLASSES = 10;
const ITEMS = 1000;

type Planned = { at: Date; outcome: Outcome };

/** A team's submissions: times spread over the last 30 days (ascending) and their outcomes. */
function plan(team: BenchTeam, index: number, options: SeedOptions, totals: SplitTotals, now: number) {
  const rng = new Rng(mixSeed(options.seed, index));
  const times = Array.from(
    { length: options.perTeam },
    () => now - DAY_MS * 30 + rng.range(0, DAY_MS * 30 - 3.6e6),
  );
  times.sort((a, b) => a - b);
  return times.map(
    (t): Planned => ({ at: new Date(t), outcome: drawOutcome(rng, team, totals, options.failRate) }),
  );
}

/** The rows trigger → claim → complete/fail leave with the clock at `at` (as seeded through them), for a bulk insert. */
function rowsOf(ctx: { competitionId: string }, team: BenchTeam, plans: Planned[], totals: SplitTotals) {
  return plans.map(({ at, outcome }) => {
    const id = crypto.randomUUID();
    const common = {
      id,
      competitionId: ctx.competitionId,
      teamId: team.id,
      bundleId: team.bundleId,
      attempt: 1,
      createdAt: at,
      startedAt: at,
      finishedAt: at,
    };
    if (outcome.failed) {
      return {
        ...common,
        status: 'failed' as const,
        errorCode: BENCH_FAILURE.code,
        errorMessage: BENCH_FAILURE.message,
        errorIsInfra: false,
      };
    }
    return {
      ...common,
      status: 'scored' as const,
      publicAccuracy: outcome.publicCorrect / totals.public,
      publicCorrect: outcome.publicCorrect,
      publicTotal: totals.public,
      privateAccuracy: outcome.privateCorrect / totals.private,
      privateCorrect: outcome.privateCorrect,
      privateTotal: totals.private,
      imagesPerSecond: 250,
      runtime: BENCH_RUNTIME,
      outputKey: outputKey(id),
    };
  });
}

type Rebuild = (ctx: ServiceContext, slug: string) => Promise<unknown>;

/** The lead's `rebuildStandings(ctx, slug)` when this build exports it (kept standings), else undefined. */
function rebuildStandingsExport(): Rebuild | undefined {
  const candidate = (services as Record<string, unknown>).rebuildStandings;
  return typeof candidate === 'function' ? (candidate as Rebuild) : undefined;
}

const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

/**
 * Creates one competition (1,000 items, 10 classes, open for 30 more days), registers `teams` teams with one
 * bundle each, and gives every team `perTeam` submissions. The first `probe` go through the services
 * (trigger → claim → complete/fail, clock set to each submission's time); if the whole seed would then take
 * longer than `budgetSeconds`, the rest are inserted in bulk as the same rows and `rebuildStandings` is called
 * when exported, so kept standings match.
 *
 * @example
 * const seeded = await seedBoard(ctx, { teams: 1000, perTeam: 100, failRate: 0.1, seed: 7, budgetSeconds: 300, probe: 3000, concurrency: 6 });
 */
export async function seedBoard(ctx: ServiceContext, options: SeedOptions): Promise<SeedReport> {
  const t0 = performance.now();
  const now = Date.now();
  const slug = `bench-board-${randomBytes(3).toString('hex')}`;
  const competition = await createCompetition(ctx, {
    slug,
    title: 'Leaderboard benchmark',
    classes: CLASSES,
    startsAt: new Date(now - 31 * DAY_MS),
    endsAt: new Date(now + 30 * DAY_MS),
    dailyLimit: 10_000,
    datasetDir: '/nonexistent/bench',
    datasetSha256: 'b'.repeat(64),
    items: Array.from({ length: ITEMS }, (_, i) => ({
      id: `i${i}`,
      imagePath: `${i}.png`,
      label: i % CLASSES,
    })),
  });
  const totals = competition.testItems;
  const manifest = parseManifest({
    version: 1,
    name: 'bench',
    classes: CLASSES,
    input: { size: [8, 8], channels: 1, mean: [0.5], std: [0.5] },
    output: 'logits',
    ensemble: { model: 'model.onnx' },
  });
  const limit = pLimit(options.concurrency);
  const skills = new Rng(mixSeed(options.seed, -1));
  const teams = await Promise.all(
    Array.from({ length: options.teams }, (_, i) => ({ i, skill: 0.45 + 0.45 * skills.next() })).map(
      ({ i, skill }) =>
        limit(async (): Promise<BenchTeam> => {
          const name = `team-${String(i + 1).padStart(4, '0')}`;
          const { team, token } = await registerTeam(ctx, slug, {
            name,
            members: [`${name}-a`, `${name}-b`],
          });
          const sha256 = randomBytes(32).toString('hex');
          const { bundle } = await recordBundle(ctx, {
            teamId: team.id,
            sha256,
            sizeBytes: 4096,
            files: [],
            manifest,
            blobKey: `bundles/${sha256}.zip`,
          });
          return { id: team.id, name, bundleId: bundle.id, token, skill };
        }),
    ),
  );
  const lines = [
    `${teams.length} teams registered (registerTeam + recordBundle) in ${secondsSince(t0).toFixed(1)} s`,
  ];

  const total = options.teams * options.perTeam;
  const probeTeams = Math.min(
    teams.length,
    Math.max(1, Math.ceil(options.probe / Math.max(1, options.perTeam))),
  );
  const viaServices = async (from: number, to: number) => {
    await Promise.all(
      teams.slice(from, to).map((team, k) =>
        limit(async () => {
          let clock = new Date(now);
          const teamCtx: ServiceContext = { ...ctx, now: () => clock };
          for (const p of plan(team, from + k, options, totals, now)) {
            clock = p.at;
            await scoreThroughServices(teamCtx, team, totals, p.outcome);
          }
        }),
      ),
    );
  };
  const tProbe = performance.now();
  await viaServices(0, probeTeams);
  const probeSeconds = secondsSince(tProbe);
  const probed = probeTeams * options.perTeam;
  const estimate = secondsSince(t0) + (probeSeconds / Math.max(1, probed)) * (total - probed);
  lines.push(
    `${probed} submissions through trigger → claim → complete/fail in ${probeSeconds.toFixed(1)} s ` +
      `(${(probed / probeSeconds).toFixed(0)}/s, ${options.concurrency} teams at a time); the whole seed that way ≈ ${estimate.toFixed(0)} s`,
  );
  if (estimate <= options.budgetSeconds) {
    const tRest = performance.now();
    await viaServices(probeTeams, teams.length);
    lines.push(
      `the other ${total - probed} through the services too, in ${secondsSince(tRest).toFixed(1)} s`,
    );
  } else {
    const tBulk = performance.now();
    const rows = teams
      .slice(probeTeams)
      .flatMap((team, k) =>
        rowsOf(
          { competitionId: competition.id },
          team,
          plan(team, probeTeams + k, options, totals, now),
          totals,
        ),
      );
    for (let i = 0; i < rows.length; i += 1000)
      await ctx.db.insert(submissions).values(rows.slice(i, i + 1000));
    lines.push(
      `over the ${options.budgetSeconds} s budget: the other ${rows.length} inserted in bulk (same rows, no pg-boss jobs) in ${secondsSince(tBulk).toFixed(1)} s`,
    );
    const rebuild = rebuildStandingsExport();
    if (rebuild) {
      const tRebuild = performance.now();
      await rebuild(ctx, slug);
      lines.push(`rebuildStandings(ctx, '${slug}') in ${secondsSince(tRebuild).toFixed(1)} s`);
    } else {
      lines.push(
        'rebuildStandings is not exported by functions/services: this build computes boards per request',
      );
    }
  }
  return { slug, teams, totals, seconds: secondsSince(t0), lines };
}
