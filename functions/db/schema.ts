// drizzle schema of the competition service: competitions, test items, teams, bundles, submissions.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Split, SubmissionKind } from '../../core/api/common.js';
import { COMPETITION_DEFAULTS } from '../../core/api/competitions.js';
import type { FileDigest } from '../../core/bundle/digest.js';
import type { Manifest } from '../../core/bundle/manifest.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A required reference to the row this one belongs to: deleting that row deletes this one. */
const ownedBy = (name: string, target: () => AnyPgColumn) =>
  uuid(name).notNull().references(target, { onDelete: 'cascade' });

/** Submission states, in the order a submission goes through them. */
export const SUBMISSION_STATUSES = ['queued', 'running', 'scored', 'failed'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** A bundle the scorer runs, or a prediction file scored when it arrives (core/api's one definition). */
/** Which half of the test set an item is scored in (core/api's one definition; an item's split stays server-side). */
export type { Split, SubmissionKind };

/** One ensemble member's accuracy (a leaf of the manifest, by its resolved id). */
export type MemberScore = { member: string; model: string; publicAccuracy: number; privateAccuracy: number };

/** Where each leaf's predictions came from in a scoring run: the prediction cache, or inference over the test images. */
export type InferenceRecord = {
  leaves: { id: string; model: string; cached: boolean }[];
  /** Images each inferred leaf ran over (0 when every leaf came from the cache). */
  inferredImages: number;
};

/** A submission's scores before a label replacement rescored it from its stored predictions. */
export type PreviousScores = {
  public: { correct: number; total: number };
  private: { correct: number; total: number };
  /** When the labels were replaced; member scores stay those of the labels before it. */
  replacedAt: string;
};

/** What ran a submission: recorded with each score. */
export type RuntimeStamp = {
  backend: string;
  executionProvider?: string;
  versions: Record<string, string>;
  bundleSha256: string;
  datasetSha256: string;
};

export const competitions = pgTable('competitions', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  classes: integer('classes').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  dailyLimit: integer('daily_limit').notNull(),
  finals: integer('finals').notNull().default(COMPETITION_DEFAULTS.finals),
  /** What teams may submit: model bundles, prediction files (output.csv), or both. */
  submissionKinds: jsonb('submission_kinds')
    .$type<SubmissionKind[]>()
    .notNull()
    .default([...COMPETITION_DEFAULTS.submissionKinds]),
  /** A team that selected no finals has its best `finals` public submissions count for the private board. */
  autoFinals: boolean('auto_finals').notNull().default(COMPETITION_DEFAULTS.autoFinals),
  publicFraction: doublePrecision('public_fraction').notNull(),
  splitSeed: integer('split_seed').notNull(),
  datasetSha256: text('dataset_sha256').notNull(),
  /** Server-side folder (or blob prefix) holding the test images; never sent to clients. */
  datasetDir: text('dataset_dir').notNull(),
  publicItems: integer('public_items').notNull(),
  privateItems: integer('private_items').notNull(),
  /** A bundle-only competition: the test images never leave the server (no `test.zip` for participants). */
  hideTestImages: boolean('hide_test_images').notNull().default(COMPETITION_DEFAULTS.hideTestImages),
  /** Raised in every transaction that changes a board of this competition: the boards' ETags derive from it. */
  boardVersion: bigint('board_version', { mode: 'number' }).notNull().default(0),
  /** The host's markdown, rendered sanitized on the Overview and Rules tabs. */
  description: text('description').notNull().default(''),
  rules: text('rules').notNull().default(''),
  /** When the host last replaced the test labels (null: the labels it was created with). */
  labelsReplacedAt: ts('labels_replaced_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Test images with their label and split: server-only columns, never in a response. */
export const testItems = pgTable(
  'test_items',
  {
    competitionId: ownedBy('competition_id', () => competitions.id),
    itemId: text('item_id').notNull(),
    position: integer('position').notNull(),
    imagePath: text('image_path').notNull(),
    label: integer('label').notNull(),
    split: text('split').$type<Split>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.competitionId, t.itemId] }),
    check('test_items_split_check', sql`${t.split} in ('public', 'private')`),
  ],
);

export const teams = pgTable(
  'teams',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    competitionId: ownedBy('competition_id', () => competitions.id),
    name: text('name').notNull(),
    members: jsonb('members').$type<string[]>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** Set by the host: the team is off both boards; the reason is shown to the team and the host. */
    disqualifiedAt: ts('disqualified_at'),
    disqualifiedReason: text('disqualified_reason'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('teams_competition_name_idx').on(t.competitionId, t.name)],
);

export const bundles = pgTable(
  'bundles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    competitionId: ownedBy('competition_id', () => competitions.id),
    teamId: ownedBy('team_id', () => teams.id),
    sha256: text('sha256').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    manifest: jsonb('manifest').$type<Manifest>().notNull(),
    /** Every file's path, bytes and sha256 (null for bundles recorded before digests were kept). */
    files: jsonb('files').$type<FileDigest[]>(),
    blobKey: text('blob_key').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('bundles_team_sha256_idx').on(t.teamId, t.sha256)],
);

export const submissions = pgTable(
  'submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    competitionId: ownedBy('competition_id', () => competitions.id),
    teamId: ownedBy('team_id', () => teams.id),
    kind: text('kind').$type<SubmissionKind>().notNull().default('bundle'),
    /** The bundle scored; null for a prediction-file submission (its predictions are the output.csv). */
    bundleId: uuid('bundle_id').references(() => bundles.id, { onDelete: 'cascade' }),
    status: text('status').$type<SubmissionStatus>().notNull().default('queued'),
    /** 0 until first claimed; each claim raises it, and a claim with an older attempt is refused. */
    attempt: integer('attempt').notNull().default(0),
    idempotencyKey: text('idempotency_key'),
    jobId: text('job_id'),
    /** Fresh per claim; completion and failure must present it (stale-write refusal). */
    leaseToken: text('lease_token'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    errorIsInfra: boolean('error_is_infra').notNull().default(false),
    publicAccuracy: doublePrecision('public_accuracy'),
    publicCorrect: integer('public_correct'),
    publicTotal: integer('public_total'),
    privateAccuracy: doublePrecision('private_accuracy'),
    privateCorrect: integer('private_correct'),
    privateTotal: integer('private_total'),
    memberScores: jsonb('member_scores').$type<MemberScore[]>(),
    selectedFinal: boolean('selected_final').notNull().default(false),
    outputKey: text('output_key'),
    imagesPerSecond: doublePrecision('images_per_second'),
    runtime: jsonb('runtime').$type<RuntimeStamp>(),
    /** Per leaf, cached or inferred, and how many images were inferred (null before the prediction cache). */
    inference: jsonb('inference').$type<InferenceRecord>(),
    /** Set by the host: this submission is off both boards; the reason is shown to its team and the host. */
    disqualifiedAt: ts('disqualified_at'),
    disqualifiedReason: text('disqualified_reason'),
    /** The scores before the last label replacement rescored this submission (null: never rescored). */
    previousScores: jsonb('previous_scores').$type<PreviousScores>(),
    /** Images inferred so far of `progress_total` while running (written at most once a second, and at the end). */
    progressDone: integer('progress_done'),
    progressTotal: integer('progress_total'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    uniqueIndex('submissions_team_idempotency_idx').on(t.teamId, t.idempotencyKey),
    /** The queue as claimed (creation order; services/queue-status.ts): positions and busy scorers count over this. */
    index('submissions_active_idx')
      .on(t.status, t.createdAt, t.id)
      .where(sql`${t.status} in ('queued', 'running')`),
    /** The latest scoring durations, for a queued submission's estimated start. */
    index('submissions_finished_idx').on(t.finishedAt).where(sql`${t.status} = 'scored'`),
    index('submissions_team_created_idx').on(t.teamId, t.createdAt),
    index('submissions_leaderboard_idx').on(t.competitionId, t.status, t.teamId),
    check('submissions_status_check', sql`${t.status} in ('queued', 'running', 'scored', 'failed')`),
    check(
      'submissions_kind_check',
      sql`(${t.kind} = 'bundle' and ${t.bundleId} is not null) or (${t.kind} = 'predictions' and ${t.bundleId} is null)`,
    ),
  ],
);

/**
 * The boards as kept: one row per (competition, split, team) with a scored submission, written in the same
 * transaction as whatever changes it (services/standings.ts). A board read is a range scan of
 * `standings_board_idx`: O(rows shown), never O(submissions).
 */
export const standings = pgTable(
  'standings',
  {
    competitionId: ownedBy('competition_id', () => competitions.id),
    split: text('split').$type<Split>().notNull(),
    teamId: ownedBy('team_id', () => teams.id),
    /** The submission the score comes from. */
    submissionId: ownedBy('submission_id', () => submissions.id),
    score: doublePrecision('score').notNull(),
    /** When the chosen submission was made: ties go to the earlier one. */
    submittedAt: ts('submitted_at').notNull(),
    /** Submissions that count (infrastructure failures excluded). */
    submissions: integer('submissions').notNull(),
    lastSubmissionAt: ts('last_submission_at'),
  },
  (t) => [
    primaryKey({ columns: [t.competitionId, t.split, t.teamId] }),
    // NULLS FIRST: what `order by score desc` means in PostgreSQL; with drizzle's default (DESC NULLS LAST) the
    // index cannot give the board's order and every page sorts the whole board (test/db/explain.test.ts).
    index('standings_board_idx').on(
      t.competitionId,
      t.split,
      t.score.desc().nullsFirst(),
      t.submittedAt,
      t.submissionId,
    ),
    /** A team's rows: the per-team keep (delete + insert in the transaction that changes them), team removal. */
    index('standings_team_idx').on(t.teamId),
    check('standings_split_check', sql`${t.split} in ('public', 'private')`),
  ],
);

/**
 * The files participants download (`train.zip`, `test.zip`, `sample_submission.csv`): each built once per
 * competition, stored content-addressed in the blob store (services/data-files.ts). Never labels or the split.
 */
export const dataFiles = pgTable(
  'data_files',
  {
    competitionId: ownedBy('competition_id', () => competitions.id),
    name: text('name').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    blobKey: text('blob_key').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.competitionId, t.name] })],
);

export type CompetitionRow = typeof competitions.$inferSelect;
export type DataFileRow = typeof dataFiles.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;
export type BundleRow = typeof bundles.$inferSelect;
export type SubmissionRow = typeof submissions.$inferSelect;
