// Route tests of `POST /api/competitions/:slug/close`: the host ends a competition now (happy / error / security).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness, HOST, openHarness } from './fixtures.js';
import { call, createCompetition, expectError, parse, registerTeam, trigger, uploadGood } from './flow.js';

describe.each(drivers())('closing a competition over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  const close = (s: string, headers: Record<string, string> = HOST) =>
    call(h, 'POST', `/api/competitions/${s}/close`, { headers });
  const phaseOf = async (s: string) =>
    parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition.phase;

  it('happy: the host ends it now; the private board opens to everyone and triggers are refused', async () => {
    const s = await createCompetition(h);
    const team = await registerTeam(h, s);
    const bundleId = await uploadGood(h, s, team.token);
    expectError(await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=private`), 403, 'forbidden');

    const reply = await close(s);
    expect(reply.status, reply.text).toBe(200);
    const { competition } = parse(competitionResponse, reply);
    expect(competition).toMatchObject({ slug: s, phase: 'ended' });
    expect(Date.parse(competition.endsAt)).toBe(h.clock.now().getTime());
    expect(await phaseOf(s)).toBe('ended');

    const board = await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=private`);
    expect(board.status, board.text).toBe(200);
    expect(parse(leaderboardResponse, board)).toMatchObject({ split: 'private', phase: 'ended' });
    expectError(await trigger(h, s, team.token, bundleId), 409, 'competition_closed');
  });

  it('error: 404 for an unknown competition, 400 for a malformed slug, 409 when it has already ended', async () => {
    expectError(await close('no-such-competition'), 404, 'not_found');
    expectError(await close('Bad_Slug!'), 400, 'invalid_argument');
    const s = await createCompetition(h);
    expect((await close(s)).status).toBe(200);
    const endsAt = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition
      .endsAt;
    h.clock.advance(60_000);
    expect(expectError(await close(s), 409, 'conflict')).toMatch(/already ended/);
    const after = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition;
    expect(after.endsAt).toBe(endsAt);
  });

  it('security: 401 anonymous or with a bad token, 403 for a team; the competition stays open', async () => {
    const s = await createCompetition(h);
    const team = await registerTeam(h, s);
    expectError(await close(s, {}), 401, 'unauthenticated');
    expectError(await close(s, bearer('sb_forged-token-0123456789')), 401, 'unauthenticated');
    expectError(await close(s, { Authorization: 'Basic dXNlcjpwYXNz' }), 401, 'unauthenticated');
    expectError(await close(s, bearer(team.token)), 403, 'forbidden');
    // The access check comes first: an unknown slug does not tell a team whether it exists.
    expectError(await close('no-such-competition', bearer(team.token)), 403, 'forbidden');
    expectError(await close('no-such-competition', {}), 401, 'unauthenticated');
    expect(await phaseOf(s)).toBe('open');
  });
});
