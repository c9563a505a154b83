// Scoring through the services as the scorer does (trigger → claim → complete/fail), and a paced writer for the warm pass.
import type { Rng } from '../../core/rng.js';
import {
  claimSubmission,
  completeSubmission,
  failSubmission,
  type ServiceContext,
  triggerSubmission,
} from '../../functions/services/index.js';
import { outputKey } from '../../functions/storage/blob.js';

/** A seeded team: its id, bundle, token (the session cookie's value) and skill (mean accuracy). */
export type BenchTeam = { id: string; name: string; bundleId: string; token: string; skill: number };

/** Items per split of the competition (a count's total). */
export type SplitTotals = { public: number; private: number };

/** One submission's outcome: scored with these correct counts, or failed by the bundle (never infra). */
export type Outcome = { failed: true } | { failed: false; publicCorrect: number; privateCorrect: number };

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** A submission's outcome for `team`: failed with probability `failRate`, else accuracies around its skill. */
export function drawOutcome(rng: Rng, team: BenchTeam, totals: SplitTotals, failRate: number): Outcome {
  if (rng.chance(failRate)) return { failed: true };
  const acc = clamp(team.skill + rng.normal(0.03), 0.05, 0.99);
  return {
    failed: false,
    publicCorrect: Math.round(clamp(acc + rng.normal(0.01), 0, 1) * totals.public),
    privateCorrect: Math.round(clamp(acc + rng.normal(0.01), 0, 1) * totals.private),
  };
}

/** What a failed bundle leaves on its submission (the scorer's `model_output` failure). */
export const BENCH_FAILURE = {
  code: 'model_output',
  message: 'the model returned 3 columns; the competition has 10 classes',
  isInfra: false,
} as const;

/** The runtime stamp a bench score carries. */
export const BENCH_RUNTIME = {
  backend: 'onnxruntime-node',
  versions: { node: process.versions.node },
  bundleSha256: '0'.repeat(64),
  datasetSha256: 'b'.repeat(64),
};

/** How a claimed submission ends: completed with these results, or failed with this failure. */
export type Settlement =
  | { complete: Parameters<typeof completeSubmission>[3] }
  | { fail: Parameters<typeof failSubmission>[3] };

/**
 * One submission through the services as the scorer leaves it: trigger (a queued row and its pg-boss job), claim,
 * then complete or fail under the lease with what `settle(id)` gives. Returns the submission id.
 *
 * @example
 * await settleThroughServices(ctx, { teamId, bundleId }, () => ({ fail: BENCH_FAILURE }));
 */
export async function settleThroughServices(
  ctx: ServiceContext,
  team: { teamId: string; bundleId: string },
  settle: (submissionId: string) => Settlement | Promise<Settlement>,
): Promise<string> {
  const { submission } = await triggerSubmission(ctx, team);
  const claim = await claimSubmission(ctx, submission.id);
  if (!claim) throw new Error(`submission ${submission.id} could not be claimed`);
  const end = await settle(submission.id);
  if ('fail' in end) await failSubmission(ctx, submission.id, claim.leaseToken, end.fail);
  else await completeSubmission(ctx, submission.id, claim.leaseToken, end.complete);
  return submission.id;
}

/**
 * One bench submission through the services: failed (BENCH_FAILURE) or scored with `outcome`'s counts.
 *
 * @example
 * await scoreThroughServices(ctx, team, totals, drawOutcome(rng, team, totals, 0.1));
 */
export function scoreThroughServices(
  ctx: ServiceContext,
  team: BenchTeam,
  totals: SplitTotals,
  outcome: Outcome,
): Promise<string> {
  return settleThroughServices(ctx, { teamId: team.id, bundleId: team.bundleId }, (id) =>
    outcome.failed
      ? { fail: BENCH_FAILURE }
      : {
          complete: {
            public: { correct: outcome.publicCorrect, total: totals.public },
            private: { correct: outcome.privateCorrect, total: totals.private },
            imagesPerSecond: 250,
            runtime: BENCH_RUNTIME,
            outputKey: outputKey(id),
          },
        },
  );
}

/** What the writer did: submissions scored, calls that threw (first message kept), its achieved rate. */
export type WriterReport = { scored: number; errors: number; firstError?: string; perSecond: number };

/** A running writer; `stop()` ends it after the submission in flight and reports. */
export type Writer = { stop(): Promise<WriterReport> };

/**
 * Scores `perSecond` new submissions a second (sequentially, for random teams, no clock override) until
 * stopped or `maxSeconds` pass, at most `perSecond × maxSeconds` in all: bounded in count and time.
 *
 * @example
 * const writer = startWriter(ctx, teams, totals, rng, { perSecond: 10, maxSeconds: 120 });
 * ... await writer.stop();
 */
export function startWriter(
  ctx: ServiceContext,
  teams: BenchTeam[],
  totals: SplitTotals,
  rng: Rng,
  options: { perSecond: number; maxSeconds: number },
): Writer {
  const live: ServiceContext = { ...ctx, now: undefined };
  const max = Math.ceil(options.perSecond * options.maxSeconds);
  const gap = 1000 / options.perSecond;
  const report: WriterReport = { scored: 0, errors: 0, perSecond: 0 };
  let stopping = false;
  let wake: (() => void) | undefined;
  const t0 = performance.now();
  const loop = (async () => {
    for (let i = 0; i < max && !stopping; i++) {
      const wait = t0 + i * gap - performance.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (stopping) break;
      }
      const team = rng.pick(teams);
      try {
        await scoreThroughServices(live, team, totals, drawOutcome(rng, team, totals, 0));
        report.scored += 1;
      } catch (err) {
        report.errors += 1;
        report.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
    report.perSecond = report.scored / ((performance.now() - t0) / 1000);
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      return report;
    },
  };
}
