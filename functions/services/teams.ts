// Teams and tokens: registration (token shown once, stored as a sha256 hash) and bearer-token authentication.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { competitions, teams } from '../db/schema.js';
import { competitionRow } from './competitions.js';
import { nowOf, type ServiceContext } from './context.js';
import { isUniqueViolation, ServiceError } from './errors.js';
import { phaseOf, type TeamIdentity, type TeamView, toTeamView } from './views.js';

/** Prefix of every team token (host tokens generated in embedded mode start with `sbh_`). */
export const TEAM_TOKEN_PREFIX = 'sb_';

export type NewTeam = { name: string; members: string[] };

/** Who a token belongs to. */
export type Principal = { kind: 'host' } | { kind: 'team'; team: TeamIdentity };

/** sha256 hex of a token: what the database stores and looks up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function normaliseTeam(input: NewTeam): NewTeam {
  const name = input.name.trim();
  const members = input.members.map((m) => m.trim());
  if (name.length < 1 || name.length > 64)
    throw new ServiceError('invalid_argument', 'name: 1-64 characters');
  if (members.length < 1 || members.length > 20)
    throw new ServiceError('invalid_argument', 'members: 1-20 names');
  if (members.some((m) => m.length < 1 || m.length > 100)) {
    throw new ServiceError('invalid_argument', 'members: each 1-100 characters');
  }
  if (new Set(members).size !== members.length)
    throw new ServiceError('invalid_argument', 'members: duplicate name');
  return { name, members };
}

/**
 * Registers a team in a competition that has not ended. Returns its bearer token: shown this once,
 * only its hash is stored. `conflict` when the name is taken in that competition.
 *
 * @example
 * const { team, token } = await registerTeam(ctx, 'sketch-demo', { name: 'Voters', members: ['ana', 'bo'] });
 */
export async function registerTeam(
  ctx: ServiceContext,
  slug: string,
  input: NewTeam,
): Promise<{ team: TeamView; token: string }> {
  const competition = await competitionRow(ctx, slug);
  if (phaseOf(competition, nowOf(ctx)) === 'ended') {
    throw new ServiceError('competition_closed', `competition ${slug} has ended`);
  }
  const { name, members } = normaliseTeam(input);
  const token = `${TEAM_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const [row] = await ctx.db
    .insert(teams)
    .values({
      competitionId: competition.id,
      name,
      members,
      tokenHash: hashToken(token),
      createdAt: nowOf(ctx),
    })
    .returning()
    .catch((err: unknown) => {
      if (isUniqueViolation(err))
        throw new ServiceError('conflict', `team name "${name}" is taken in ${slug}`);
      throw err;
    });
  return { team: toTeamView(row, slug), token };
}

/**
 * The team a token belongs to, or null (H7's auth middleware `findTeam`).
 *
 * @example
 * const team = await teamByToken(ctx, 'sb_...'); // { id, competitionId, name } | null
 */
export async function teamByToken(
  ctx: Pick<ServiceContext, 'db'>,
  token: string,
): Promise<TeamIdentity | null> {
  if (!token.startsWith(TEAM_TOKEN_PREFIX)) return null;
  const [row] = await ctx.db
    .select({ id: teams.id, competitionId: teams.competitionId, name: teams.name })
    .from(teams)
    .where(eq(teams.tokenHash, hashToken(token)));
  return row ?? null;
}

/** Constant-time equality of two tokens (hashed to equal length first). */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Resolves a bearer token to the host or a team; `unauthenticated` for anything else.
 *
 * @example
 * const who = await authenticate(ctx, token);
 * if (who.kind === 'team') console.log(who.team.name);
 */
export async function authenticate(ctx: ServiceContext, token: string): Promise<Principal> {
  if (ctx.hostToken && sameToken(token, ctx.hostToken)) return { kind: 'host' };
  const team = await teamByToken(ctx, token);
  if (!team) throw new ServiceError('unauthenticated', 'unknown token');
  return { kind: 'team', team };
}

/**
 * A team with its members and competition slug; `not_found` when missing.
 *
 * @example
 * const view = await getTeam(ctx, who.team.id);
 */
export async function getTeam(ctx: ServiceContext, teamId: string): Promise<TeamView> {
  const [row] = await ctx.db
    .select({ team: teams, slug: competitions.slug })
    .from(teams)
    .innerJoin(competitions, eq(competitions.id, teams.competitionId))
    .where(eq(teams.id, teamId));
  if (!row) throw new ServiceError('not_found', 'no such team');
  return toTeamView(row.team, row.slug);
}
