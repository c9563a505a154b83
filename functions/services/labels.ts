// Replacing a competition's test labels: every scored submission rescored from its stored output.csv, no inference.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { mapLimit } from '../../core/data/io.js';
import type { Tx } from '../db/client.js';
import { competitions, type PreviousScores, standings, submissions, teams, testItems } from '../db/schema.js';
import type { BlobStore } from '../storage/blob.js';
import { loadAnswerKey } from './claims.js';
import { competitionRow } from './competitions.js';
import { nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { checkLabels, countCorrect, type KnownItem, type SplitCounts } from './labels-check.js';
import { rebuildStandingsIn } from './standings-keep.js';
import { type CompetitionView, toCompetitionView } from './views.js';

/** One team's best accuracy on each board before and after (null: not ranked there). */
export type BestChange = {
  teamId: string;
  team: string;
  public: { before: number | null; after: number | null };
  private: { before: number | null; after: number | null };
};

/** What a label replacement did. */
export type LabelsResult = {
  competition: CompetitionView;
  /** Scored submissions rescored from their stored predictions. */
  rescored: number;
  /** Of those, the ones whose public or private count changed. */
  changed: number;
  boardVersion: number;
  teams: BestChange[];
};

/** Stored predictions read at once. */
const READ_CONCURRENCY = 4;
/** Rows per batched UPDATE. */
const CHUNK = 500;

async function readText(blobs: BlobStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.getStream(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Each ranked team's score per board, from the kept standings. */
async function bests(tx: Tx, competitionId: string) {
  const rows = await tx
    .select({ teamId: standings.teamId, team: teams.name, split: standings.split, score: standings.score })
    .from(standings)
    .innerJoin(teams, eq(teams.id, standings.teamId))
    .where(eq(standings.competitionId, competitionId));
  return rows;
}

function changes(before: Awaited<ReturnType<typeof bests>>, after: typeof before): BestChange[] {
  const byTeam = new Map<string, BestChange>();
  const entry = (r: (typeof before)[number]) => {
    let e = byTeam.get(r.teamId);
    if (!e) {
      e = {
        teamId: r.teamId,
        team: r.team,
        public: { before: null, after: null },
        private: { before: null, after: null },
      };
      byTeam.set(r.teamId, e);
    }
    return e;
  };
  for (const r of before) entry(r)[r.split].before = r.score;
  for (const r of after) entry(r)[r.split].after = r.score;
  return [...byTeam.values()].sort((a, b) => a.team.localeCompare(b.team));
}

/**
 * Replaces the test labels of a competition with a corrected `test_labels.csv` (same IDs and image paths;
 * refused with `invalid_data` naming the lines otherwise) and rescores every scored submission from its
 * stored predictions (`output_key`, bundles and prediction files alike): new counts, the previous ones kept
 * in `previous_scores`, standings rebuilt and the board version raised, all in one transaction. Nothing is
 * inferred and no job is queued. Refused (`conflict`) while a submission of the competition is running;
 * queued ones are claimed only after the transaction, so they are scored with the new labels. Member scores
 * are not recomputed: they stay those of the labels before (`previous_scores.replacedAt` says since when).
 *
 * @example
 * const r = await replaceLabels(ctx, blobs, 'sketch-demo', await readFile('test_labels.csv', 'utf8'));
 * r.rescored; // 42
 */
export async function replaceLabels(
  ctx: ServiceContext,
  blobs: BlobStore,
  slug: string,
  csv: string,
): Promise<LabelsResult> {
  const competition = await competitionRow(ctx, slug);
  const items: KnownItem[] = await loadAnswerKey(ctx, competition.id);
  const labels = checkLabels(csv, items, competition.classes);
  const relabelled = items.map((i) => ({ ...i, label: labels.get(i.id) ?? i.label }));
  const relabels = relabelled.filter((item, k) => item.label !== items[k].label);
  const count = async (key: string) => countCorrect(await readText(blobs, key), relabelled);
  const scored = and(
    eq(submissions.competitionId, competition.id),
    eq(submissions.status, 'scored'),
    isNotNull(submissions.outputKey),
  );
  // The blobs are read before the transaction; one that got another output meanwhile is read again inside.
  const early = await ctx.db
    .select({ id: submissions.id, key: submissions.outputKey })
    .from(submissions)
    .where(scored);
  const counted = new Map<string, { key: string; counts: SplitCounts }>();
  await mapLimit(early, READ_CONCURRENCY, async ({ id, key }) => {
    if (key) counted.set(id, { key, counts: await count(key) });
  });
  const now = nowOf(ctx);
  return ctx.db.transaction(async (tx) => {
    // Claims (an UPDATE of a queued row) wait for this transaction, so they read the new labels.
    const active = await tx
      .select({ id: submissions.id, status: submissions.status })
      .from(submissions)
      .where(
        and(
          eq(submissions.competitionId, competition.id),
          inArray(submissions.status, ['queued', 'running']),
        ),
      )
      .for('update');
    const running = active.filter((s) => s.status === 'running').length;
    if (running > 0) {
      throw new ServiceError(
        'conflict',
        `${running} submission(s) of ${slug} are being scored; replace the labels when they finish`,
      );
    }
    const before = await bests(tx, competition.id);
    for (let i = 0; i < relabels.length; i += CHUNK) {
      const values = sql.join(
        relabels.slice(i, i + CHUNK).map((r) => sql`(${r.id}, ${r.label}::int)`),
        sql`, `,
      );
      await tx.execute(sql`update ${testItems} t set label = v.label from (values ${values}) as v(item_id, label)
        where t.competition_id = ${competition.id} and t.item_id = v.item_id`);
    }
    const rows = await tx.select().from(submissions).where(scored).for('update');
    const updates: { id: string; counts: SplitCounts; previous: PreviousScores }[] = [];
    let changed = 0;
    for (const row of rows) {
      const key = row.outputKey as string;
      const early = counted.get(row.id);
      const counts = early?.key === key ? early.counts : await count(key);
      const previous: PreviousScores = {
        public: { correct: row.publicCorrect ?? 0, total: row.publicTotal ?? 0 },
        private: { correct: row.privateCorrect ?? 0, total: row.privateTotal ?? 0 },
        replacedAt: now.toISOString(),
      };
      if (
        counts.public.correct !== previous.public.correct ||
        counts.private.correct !== previous.private.correct
      )
        changed++;
      updates.push({ id: row.id, counts, previous });
    }
    for (let i = 0; i < updates.length; i += CHUNK) {
      const values = sql.join(
        updates
          .slice(i, i + CHUNK)
          .map(
            (u) =>
              sql`(${u.id}::uuid, ${u.counts.public.correct}::int, ${u.counts.public.total}::int, ${u.counts.private.correct}::int, ${u.counts.private.total}::int, ${JSON.stringify(u.previous)}::jsonb)`,
          ),
        sql`, `,
      );
      await tx.execute(sql`update ${submissions} s set
          public_correct = v.pc, public_total = v.pt,
          public_accuracy = case when v.pt > 0 then v.pc::float8 / v.pt else 0 end,
          private_correct = v.qc, private_total = v.qt,
          private_accuracy = case when v.qt > 0 then v.qc::float8 / v.qt else 0 end,
          previous_scores = v.prev
        from (values ${values}) as v(id, pc, pt, qc, qt, prev) where s.id = v.id`);
    }
    await tx.update(competitions).set({ labelsReplacedAt: now }).where(eq(competitions.id, competition.id));
    const { boardVersion } = await rebuildStandingsIn(tx, competition.id);
    const [latest] = await tx.select().from(competitions).where(eq(competitions.id, competition.id));
    return {
      competition: toCompetitionView(latest, now),
      rescored: updates.length,
      changed,
      boardVersion,
      teams: changes(before, await bests(tx, competition.id)),
    };
  });
}
