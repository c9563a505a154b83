// The rules every new submission passes in its transaction, bundle or prediction file: team lock, Idempotency-Key, kind, window, daily limit.
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import {
  type CompetitionRow,
  competitions,
  type SubmissionKind,
  type SubmissionRow,
  submissions,
  type TeamRow,
  teams,
} from '../db/schema.js';
import { utcDayStart } from './context.js';
import { ServiceError } from './errors.js';
import { phaseOf } from './views.js';

/** How the refusals name each kind. */
const KIND_NAMES: Record<SubmissionKind, string> = { bundle: 'bundles', predictions: 'prediction files' };

/** Locks the team row for the rest of the transaction: triggers and final selections of a team queue up here. */
export async function lockTeam(
  tx: Tx,
  teamId: string,
): Promise<{ team: TeamRow; competition: CompetitionRow }> {
  const [team] = await tx.select().from(teams).where(eq(teams.id, teamId)).for('update');
  if (!team) throw new ServiceError('not_found', 'no such team');
  const [competition] = await tx.select().from(competitions).where(eq(competitions.id, team.competitionId));
  return { team, competition };
}

/** The team's earlier submission made with this Idempotency-Key, if any (call with the team row locked). */
export async function earlierSubmission(
  tx: Tx,
  teamId: string,
  key: string | undefined,
): Promise<SubmissionRow | undefined> {
  if (key === undefined) return undefined;
  const [earlier] = await tx
    .select()
    .from(submissions)
    .where(and(eq(submissions.teamId, teamId), eq(submissions.idempotencyKey, key)));
  return earlier;
}

/** `invalid_argument` unless an Idempotency-Key (when given) has 1-255 characters. */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && (key.length < 1 || key.length > 255)) {
    throw new ServiceError('invalid_argument', 'Idempotency-Key: 1-255 characters');
  }
}

/**
 * The checks that need no lock: the competition takes this `kind` (`forbidden` otherwise) and is open now
 * (`competition_closed`). Run again inside the transaction; a route may run them first to refuse before
 * reading a body.
 *
 * @example
 * assertAccepts(competition, 'predictions', now); // before a prediction file is read
 */
export function assertAccepts(
  competition: Pick<CompetitionRow, 'slug' | 'startsAt' | 'endsAt' | 'submissionKinds'>,
  kind: SubmissionKind,
  now: Date,
): void {
  if (!competition.submissionKinds.includes(kind)) {
    const takes = competition.submissionKinds.map((k) => KIND_NAMES[k]).join(' and ');
    throw new ServiceError(
      'forbidden',
      `competition ${competition.slug} does not take ${KIND_NAMES[kind]}; it takes ${takes}`,
    );
  }
  const phase = phaseOf(competition, now);
  if (phase !== 'open') {
    throw new ServiceError(
      'competition_closed',
      `competition ${competition.slug} is ${phase === 'ended' ? 'over' : 'not open yet'}`,
    );
  }
}

/**
 * Admits one more submission of `kind` for a team whose row the transaction holds locked: the team is not
 * disqualified (`forbidden`, with the host's reason), the competition takes the kind and is open, and today's (UTC) submissions that count — queued, running, scored, and
 * failed ones not caused by infrastructure — are under the daily limit (`limit_exceeded`). Returns how many
 * of the team's submissions are queued or running (the bundle path caps them).
 *
 * @example
 * const { active } = await admit(tx, competition, team, 'bundle', now);
 */
export async function admit(
  tx: Tx,
  competition: CompetitionRow,
  team: Pick<TeamRow, 'id' | 'disqualifiedAt' | 'disqualifiedReason'>,
  kind: SubmissionKind,
  now: Date,
): Promise<{ active: number }> {
  if (team.disqualifiedAt !== null) {
    throw new ServiceError(
      'forbidden',
      `this team is disqualified and cannot submit: ${team.disqualifiedReason ?? 'no reason given'}`,
    );
  }
  assertAccepts(competition, kind, now);
  const [usage] = await tx
    .select({
      today: sql<number>`(count(*) filter (where ${submissions.createdAt} >= ${utcDayStart(now).toISOString()}::timestamptz
          and (${submissions.status} <> 'failed' or not ${submissions.errorIsInfra})))::int`,
      active: sql<number>`(count(*) filter (where ${submissions.status} in ('queued', 'running')))::int`,
    })
    .from(submissions)
    .where(eq(submissions.teamId, team.id));
  if (usage.today >= competition.dailyLimit) {
    throw new ServiceError(
      'limit_exceeded',
      `daily limit of ${competition.dailyLimit} submissions reached; it resets at 00:00 UTC`,
    );
  }
  return { active: usage.active };
}
