// The shake-up after the end: public → private rank per team, each private score's paired-bootstrap interval over
// the private items, and whether adjacent teams differ significantly. Labels are read here and never leave.
import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { type Interval, type PairDifference, pairedBootstrap } from '../../core/metrics/bootstrap.js';
import { submissions, testItems } from '../db/schema.js';
import type { BlobStore } from '../storage/blob.js';
import { competitionRow } from './competitions.js';
import { nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { leaderboard, ranksOf } from './standings.js';
import { type CompetitionPhase, phaseOf } from './views.js';

/** Resamples and seed of every shake-up: fixed, so the same boards give the same intervals. */
export const SHAKEUP_RESAMPLES = 1000;
export const SHAKEUP_SEED = 20_240_601;
export const SHAKEUP_LEVEL = 0.95;

export type ShakeupRow = {
  team: string;
  privateRank: number;
  publicRank: number | null;
  privateScore: number;
  interval: Interval | null;
  vsNext: PairDifference | null;
};

export type Shakeup = {
  competition: string;
  phase: CompetitionPhase;
  items: number;
  resamples: number;
  level: number;
  seed: number;
  rows: ShakeupRow[];
};

/**
 * The shake-up rule of access: after the end only. Before it, a team or anyone is `forbidden` (private
 * standings are still hidden from them) and the host gets `conflict` (the private board is not final yet).
 *
 * @example
 * assertShakeupOpen(state.phase, isHost(c));
 */
export function assertShakeupOpen(phase: CompetitionPhase, asHost: boolean): void {
  if (phase === 'ended') return;
  if (asHost) throw new ServiceError('conflict', 'the shake-up is computed once the competition has ended');
  throw new ServiceError('forbidden', 'the shake-up opens when the competition ends');
}

/** 1/0 per private item: the stored prediction (output.csv `ID,image_path,target`) equals the label. */
async function correctness(
  blobs: BlobStore,
  key: string,
  items: { id: string; label: number }[],
): Promise<Uint8Array> {
  const rows: string[][] = parse(await text(await blobs.getStream(key)), {
    from_line: 2,
    relax_column_count: true,
  });
  const predicted = new Map(rows.map((r) => [r[0], Number(r[2])]));
  return Uint8Array.from(items, (item) => (predicted.get(item.id) === item.label ? 1 : 0));
}

/**
 * Computes the shake-up of an ended competition (see {@link assertShakeupOpen} for before the end): every team
 * on the private board in private order with its public rank, its private score and the interval of a paired
 * bootstrap ({@link SHAKEUP_RESAMPLES} resamples of the private items, seed {@link SHAKEUP_SEED}) built from
 * the stored predictions of the submission its private score comes from. Reads every counted output.csv:
 * callers cache the result per board version.
 *
 * @example
 * const s = await shakeup(ctx, blobs, 'sketch-demo', { asHost: false });
 * s.rows[0]; // { team: 'Voters', privateRank: 1, publicRank: 3, privateScore: 0.81, interval: { lo, hi }, vsNext }
 */
export async function shakeup(
  ctx: ServiceContext,
  blobs: BlobStore,
  slug: string,
  options: { asHost: boolean },
): Promise<Shakeup> {
  const competition = await competitionRow(ctx, slug);
  const phase = phaseOf(competition, nowOf(ctx));
  assertShakeupOpen(phase, options.asHost);
  const board = await leaderboard(ctx, slug, 'private', { asHost: true, limit: Number.MAX_SAFE_INTEGER });
  const ids = board.rows.map((r) => r.submissionId);
  const [publicRanks, items, outputs] = await Promise.all([
    ranksOf(
      ctx,
      competition.id,
      'public',
      board.rows.map((r) => r.teamId),
    ),
    ctx.db
      .select({ id: testItems.itemId, label: testItems.label })
      .from(testItems)
      .where(and(eq(testItems.competitionId, competition.id), eq(testItems.split, 'private')))
      .orderBy(asc(testItems.position)),
    ids.length === 0
      ? []
      : ctx.db
          .select({ id: submissions.id, outputKey: submissions.outputKey })
          .from(submissions)
          .where(inArray(submissions.id, ids)),
  ]);
  const keyOf = new Map(outputs.map((o) => [o.id, o.outputKey]));
  const vectors = await Promise.all(
    board.rows.map(async (r) => {
      const key = keyOf.get(r.submissionId);
      return key ? correctness(blobs, key, items) : null;
    }),
  );
  const withData = vectors.flatMap((v, i) => (v ? [i] : []));
  const boot =
    items.length > 0 && withData.length > 0
      ? pairedBootstrap(
          withData.map((i) => vectors[i] as Uint8Array),
          { resamples: SHAKEUP_RESAMPLES, seed: SHAKEUP_SEED, level: SHAKEUP_LEVEL },
        )
      : null;
  const slot = new Map(withData.map((rowIndex, k) => [rowIndex, k]));
  const rows = board.rows.map((r, i): ShakeupRow => {
    const k = slot.get(i);
    const next = slot.get(i + 1);
    return {
      team: r.team,
      privateRank: r.rank,
      publicRank: publicRanks.get(r.teamId) ?? null,
      privateScore: r.score,
      interval: boot && k !== undefined ? boot.teams[k].interval : null,
      vsNext: boot && k !== undefined && next === k + 1 ? boot.pairs[k] : null,
    };
  });
  return {
    competition: slug,
    phase,
    items: items.length,
    resamples: SHAKEUP_RESAMPLES,
    level: SHAKEUP_LEVEL,
    seed: SHAKEUP_SEED,
    rows,
  };
}
