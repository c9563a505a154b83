// What the services hand out: row → view projections that never carry labels, splits, token hashes or paths.
import type { Manifest } from '../../core/bundle/manifest.js';
import type {
  BundleRow,
  CompetitionRow,
  InferenceRecord,
  PreviousScores,
  RuntimeStamp,
  SubmissionKind,
  SubmissionRow,
  SubmissionStatus,
  TeamRow,
} from '../db/schema.js';

export type CompetitionPhase = 'upcoming' | 'open' | 'ended';

/** A competition as anyone may see it. No dataset location, seed, labels or per-item split. */
export type CompetitionView = {
  id: string;
  slug: string;
  title: string;
  classes: number;
  startsAt: Date;
  endsAt: Date;
  phase: CompetitionPhase;
  dailyLimit: number;
  finals: number;
  /** Without a selection, a team's best `finals` public submissions count for the private board. */
  autoFinals: boolean;
  publicFraction: number;
  testItems: { public: number; private: number };
  /** A bundle-only competition: participants get no test images. */
  hideTestImages: boolean;
  /** What teams may submit: bundles, prediction files, or both. */
  submissionKinds: SubmissionKind[];
  datasetSha256: string;
  /** The host's markdown source (pages render it sanitized). */
  description: string;
  rules: string;
  /** When the host last corrected the test labels and every scored submission was rescored (null: never). */
  rescoredAt: Date | null;
  createdAt: Date;
};

/** Why and when the host took a team or a submission off the boards. */
export type Disqualification = { reason: string; at: Date };

/** The disqualification of a row that has the two columns, or null. */
export function disqualificationOf(row: {
  disqualifiedAt: Date | null;
  disqualifiedReason: string | null;
}): Disqualification | null {
  return row.disqualifiedAt === null
    ? null
    : { reason: row.disqualifiedReason ?? '', at: row.disqualifiedAt };
}

/** The team a token belongs to (the shape of H7's `TeamIdentity`). */
export type TeamIdentity = { id: string; competitionId: string; name: string };

export type TeamView = TeamIdentity & {
  competitionSlug: string;
  members: string[];
  createdAt: Date;
  disqualification: Disqualification | null;
};

export type BundleView = {
  id: string;
  competitionId: string;
  teamId: string;
  sha256: string;
  sizeBytes: number;
  name: string;
  manifest: Manifest;
  createdAt: Date;
};

export type Score = { accuracy: number; correct: number; total: number };

/** A submission as its team (or the host) sees it; `private` and member private scores are null until the end. */
export type SubmissionView = {
  id: string;
  competitionId: string;
  teamId: string;
  /** A bundle the scorer ran, or a prediction file scored on arrival. */
  kind: SubmissionKind;
  /** The bundle scored; null for a prediction file. */
  bundleId: string | null;
  status: SubmissionStatus;
  attempt: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: { code: string; message: string; infrastructure: boolean } | null;
  public: Score | null;
  private: Score | null;
  /** True while a private score exists but is withheld from this viewer. */
  privateHidden: boolean;
  memberScores:
    | { member: string; model: string; publicAccuracy: number; privateAccuracy: number | null }[]
    | null;
  selectedFinal: boolean;
  imagesPerSecond: number | null;
  runtime: RuntimeStamp | null;
  hasOutput: boolean;
  /** Per leaf, from the prediction cache or inferred; null before the cache or while unscored. */
  inference: InferenceRecord | null;
  disqualification: Disqualification | null;
  /** The scores before the last label replacement rescored it; `private` withheld as the current one is. */
  previousScores: { public: Score; private: Score | null; replacedAt: Date } | null;
  /** Queued only, where the reader asked for it (services/queue-status.ts): place in the queue and estimated start. */
  queue?: QueueStanding | null;
  /** Running only: images done of the total, as the scorer last wrote them. */
  progress: { done: number; total: number } | null;
};

/** A queued submission's place in the scoring queue (1 = next) and its estimated start. */
export type QueueStanding = {
  position: number;
  estimatedStartAt: Date | null;
  estimateSeconds: number | null;
};

/** Where a competition stands at `now`. */
export function phaseOf(c: Pick<CompetitionRow, 'startsAt' | 'endsAt'>, now: Date): CompetitionPhase {
  if (now < c.startsAt) return 'upcoming';
  return now < c.endsAt ? 'open' : 'ended';
}

export function toCompetitionView(c: CompetitionRow, now: Date): CompetitionView {
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    classes: c.classes,
    startsAt: c.startsAt,
    endsAt: c.endsAt,
    phase: phaseOf(c, now),
    dailyLimit: c.dailyLimit,
    finals: c.finals,
    autoFinals: c.autoFinals,
    publicFraction: c.publicFraction,
    testItems: { public: c.publicItems, private: c.privateItems },
    hideTestImages: c.hideTestImages,
    submissionKinds: c.submissionKinds,
    datasetSha256: c.datasetSha256,
    description: c.description,
    rules: c.rules,
    rescoredAt: c.labelsReplacedAt,
    createdAt: c.createdAt,
  };
}

export function toTeamView(t: TeamRow, competitionSlug: string): TeamView {
  const { id, competitionId, name, members, createdAt } = t;
  return {
    id,
    competitionId,
    competitionSlug,
    name,
    members,
    createdAt,
    disqualification: disqualificationOf(t),
  };
}

export function toBundleView(b: BundleRow): BundleView {
  const { id, competitionId, teamId, sha256, sizeBytes, manifest, createdAt } = b;
  return { id, competitionId, teamId, sha256, sizeBytes, name: manifest.name, manifest, createdAt };
}

function score(accuracy: number | null, correct: number | null, total: number | null): Score | null {
  return accuracy === null || correct === null || total === null ? null : { accuracy, correct, total };
}

function previousOf(p: PreviousScores | null, showPrivate: boolean): SubmissionView['previousScores'] {
  if (p === null) return null;
  const of = (c: { correct: number; total: number }): Score => ({
    accuracy: c.total > 0 ? c.correct / c.total : 0,
    ...c,
  });
  return {
    public: of(p.public),
    private: showPrivate ? of(p.private) : null,
    replacedAt: new Date(p.replacedAt),
  };
}

/** Projects a submission row; `showPrivate` is false for a team before the competition ends. */
export function toSubmissionView(s: SubmissionRow, showPrivate: boolean): SubmissionView {
  const privateScore = score(s.privateAccuracy, s.privateCorrect, s.privateTotal);
  return {
    id: s.id,
    competitionId: s.competitionId,
    teamId: s.teamId,
    kind: s.kind,
    bundleId: s.bundleId,
    status: s.status,
    attempt: s.attempt,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    error:
      s.errorCode === null
        ? null
        : { code: s.errorCode, message: s.errorMessage ?? '', infrastructure: s.errorIsInfra },
    public: score(s.publicAccuracy, s.publicCorrect, s.publicTotal),
    private: showPrivate ? privateScore : null,
    privateHidden: !showPrivate && privateScore !== null,
    memberScores:
      s.memberScores?.map((m) => ({
        member: m.member,
        model: m.model,
        publicAccuracy: m.publicAccuracy,
        privateAccuracy: showPrivate ? m.privateAccuracy : null,
      })) ?? null,
    selectedFinal: s.selectedFinal,
    imagesPerSecond: s.imagesPerSecond,
    runtime: s.runtime,
    hasOutput: s.outputKey !== null,
    inference: s.inference,
    disqualification: disqualificationOf(s),
    previousScores: previousOf(s.previousScores, showPrivate),
    progress:
      s.status === 'running' && s.progressDone !== null && s.progressTotal !== null
        ? { done: s.progressDone, total: s.progressTotal }
        : null,
  };
}
