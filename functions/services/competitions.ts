// Competitions: create one from a loaded dataset (split fixed then), list and read them without labels.
import { asc, count, desc, eq, sql } from 'drizzle-orm';
import { COMPETITION_DEFAULTS } from '../../core/api/competitions.js';
import { competitions, dataFiles, type Split, type SubmissionKind, teams, testItems } from '../db/schema.js';
import { nowOf, type ServiceContext } from './context.js';
import { isUniqueViolation, ServiceError } from './errors.js';
import { stratifiedSplit } from './split.js';
import { type CompetitionView, toCompetitionView } from './views.js';

/** Defaults of a new competition: they live in the wire contract (core/api), which documents them. */
export { COMPETITION_DEFAULTS };

/** One test item with its label, as loaded from `test.csv` + `test_labels.csv`. */
export type LabeledItem = { id: string; imagePath: string; label: number };

export type NewCompetition = {
  slug: string;
  title: string;
  classes: number;
  endsAt: Date;
  startsAt?: Date;
  dailyLimit?: number;
  finals?: number;
  /** Default COMPETITION_DEFAULTS.autoFinals (true). */
  autoFinals?: boolean;
  publicFraction?: number;
  splitSeed?: number;
  /** What teams may submit (default `['bundle']`): one or both kinds, each once. */
  submissionKinds?: readonly SubmissionKind[];
  /** The host's markdown for the Overview and Rules tabs (default empty). */
  description?: string;
  rules?: string;
  /** Server-side folder (or blob prefix) that `imagePath`s are relative to. Never shown to clients. */
  datasetDir: string;
  datasetSha256: string;
  /** In test.csv order; the order is kept for output.csv. */
  items: LabeledItem[];
  /** A bundle-only competition (no test images for participants); default false. */
  hideTestImages?: boolean;
  /** Participant files built before the insert (e.g. train.zip), recorded in the same transaction. */
  dataFiles?: { name: string; bytes: number; sha256: string; blobKey: string }[];
};

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const INSERT_CHUNK = 1000;

function check(ok: boolean, message: string): void {
  if (!ok) throw new ServiceError('invalid_argument', message);
}

/**
 * Creates a competition and its test items, fixing the stratified public/private split now.
 * Throws `invalid_argument` for a bad value, `conflict` for a taken slug.
 *
 * @example
 * const c = await createCompetition(ctx, { slug: 'sketch-demo', title: 'Sketch demo', classes: 10,
 *   endsAt: new Date('2030-01-01'), datasetDir: '/data/demo', datasetSha256: sha, items });
 */
export async function createCompetition(
  ctx: ServiceContext,
  input: NewCompetition,
): Promise<CompetitionView> {
  const now = nowOf(ctx);
  const startsAt = input.startsAt ?? now;
  const dailyLimit = input.dailyLimit ?? COMPETITION_DEFAULTS.dailyLimit;
  const finals = input.finals ?? COMPETITION_DEFAULTS.finals;
  const publicFraction = input.publicFraction ?? COMPETITION_DEFAULTS.publicFraction;
  const splitSeed = input.splitSeed ?? COMPETITION_DEFAULTS.splitSeed;
  const submissionKinds = [...(input.submissionKinds ?? COMPETITION_DEFAULTS.submissionKinds)];
  check(SLUG.test(input.slug), 'slug: 1-64 lower-case letters, digits and inner dashes');
  check(input.title.trim().length > 0 && input.title.length <= 200, 'title: 1-200 characters');
  check(Number.isInteger(input.classes) && input.classes >= 2, 'classes: an integer >= 2');
  check(input.endsAt > startsAt, 'endsAt must be after startsAt');
  check(Number.isInteger(dailyLimit) && dailyLimit >= 1, 'dailyLimit: an integer >= 1');
  check(Number.isInteger(finals) && finals >= 1, 'finals: an integer >= 1');
  check(publicFraction > 0 && publicFraction < 1, 'publicFraction: strictly between 0 and 1');
  check(Number.isInteger(splitSeed) && Math.abs(splitSeed) <= 2 ** 31 - 1, 'splitSeed: a 32-bit integer');
  check(
    submissionKinds.length >= 1 &&
      new Set(submissionKinds).size === submissionKinds.length &&
      submissionKinds.every((k) => k === 'bundle' || k === 'predictions'),
    'submissionKinds: one or both of "bundle", "predictions", each once',
  );
  check(/^[0-9a-f]{64}$/.test(input.datasetSha256), 'datasetSha256: 64 lower-case hex');
  check(input.items.length >= 2, 'the test set needs at least 2 items');
  const seen = new Set<string>();
  for (const item of input.items) {
    check(!seen.has(item.id), `test item ${item.id}: duplicate ID`);
    seen.add(item.id);
    check(
      Number.isInteger(item.label) && item.label >= 0 && item.label < input.classes,
      `test item ${item.id}: label out of range`,
    );
  }

  const splits = stratifiedSplit(input.items, publicFraction, splitSeed);
  const publicItems = [...splits.values()].filter((s) => s === 'public').length;
  const row = await ctx.db
    .transaction(async (tx) => {
      const [created] = await tx
        .insert(competitions)
        .values({
          slug: input.slug,
          title: input.title.trim(),
          classes: input.classes,
          startsAt,
          endsAt: input.endsAt,
          dailyLimit,
          finals,
          autoFinals: input.autoFinals ?? COMPETITION_DEFAULTS.autoFinals,
          publicFraction,
          splitSeed,
          submissionKinds,
          datasetSha256: input.datasetSha256,
          datasetDir: input.datasetDir,
          description: input.description ?? '',
          rules: input.rules ?? '',
          publicItems,
          privateItems: input.items.length - publicItems,
          hideTestImages: input.hideTestImages ?? COMPETITION_DEFAULTS.hideTestImages,
          createdAt: now,
        })
        .returning();
      const files = (input.dataFiles ?? []).map((f) => ({ ...f, competitionId: created.id, createdAt: now }));
      if (files.length > 0) await tx.insert(dataFiles).values(files);
      for (let i = 0; i < input.items.length; i += INSERT_CHUNK) {
        const chunk = input.items.slice(i, i + INSERT_CHUNK).map((item, j) => ({
          competitionId: created.id,
          itemId: item.id,
          position: i + j,
          imagePath: item.imagePath,
          label: item.label,
          split: splits.get(item.id) as Split,
        }));
        await tx.insert(testItems).values(chunk);
      }
      return created;
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err))
        throw new ServiceError('conflict', `competition ${input.slug} already exists`);
      throw err;
    });
  return toCompetitionView(row, now);
}

/**
 * Lists competitions, newest first (no labels, no splits).
 *
 * @example
 * const all = await listCompetitions(ctx);
 */
export async function listCompetitions(ctx: ServiceContext): Promise<CompetitionView[]> {
  const rows = await ctx.db
    .select()
    .from(competitions)
    .orderBy(desc(competitions.createdAt), asc(competitions.slug));
  const now = nowOf(ctx);
  return rows.map((row) => toCompetitionView(row, now));
}

/**
 * One competition by slug; `not_found` when there is none.
 *
 * @example
 * const demo = await getCompetition(ctx, 'sketch-demo');
 */
export async function getCompetition(ctx: ServiceContext, slug: string): Promise<CompetitionView> {
  return toCompetitionView(await competitionRow(ctx, slug), nowOf(ctx));
}

/**
 * Registered teams per competition id (competitions without teams are absent).
 *
 * @example
 * const counts = await teamCounts(ctx);
 * counts.get(competition.id) ?? 0;
 */
export async function teamCounts(ctx: Pick<ServiceContext, 'db'>): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({ competitionId: teams.competitionId, n: count() })
    .from(teams)
    .groupBy(teams.competitionId);
  return new Map(rows.map((r) => [r.competitionId, r.n]));
}

/** The full row (server-side fields included) for other services; `not_found` when missing. */
export async function competitionRow(ctx: Pick<ServiceContext, 'db'>, slug: string) {
  const [row] = await ctx.db.select().from(competitions).where(eq(competitions.slug, slug));
  if (!row) throw new ServiceError('not_found', `no competition ${slug}`);
  return row;
}

/**
 * Ends a competition now (a host action): `endsAt` moves to the current time, so new submissions are refused
 * and the private leaderboard opens. A competition that has not started is started and ended at once.
 * `conflict` when it has already ended. Submissions already queued are still scored.
 *
 * @example
 * const ended = await closeCompetition(ctx, 'demo-20260501-1200'); // ended.phase === 'ended'
 */
export async function closeCompetition(ctx: ServiceContext, slug: string): Promise<CompetitionView> {
  const row = await competitionRow(ctx, slug);
  const now = nowOf(ctx);
  if (row.endsAt <= now) throw new ServiceError('conflict', `competition ${slug} has already ended`);
  const startsAt = row.startsAt < now ? row.startsAt : new Date(now.getTime() - 1);
  const [updated] = await ctx.db
    .update(competitions)
    .set({ startsAt, endsAt: now, boardVersion: sql`${competitions.boardVersion} + 1` }) // boards show the phase
    .where(eq(competitions.id, row.id))
    .returning();
  return toCompetitionView(updated, now);
}
