// Route tests of the host's management: update, reopen, teams, disqualify / requalify (happy / error / security).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import {
  disqualifiedSubmissionResponse,
  hostTeamListResponse,
  hostTeamResponse,
} from '../../core/api/host.js';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import { submissionResponse } from '../../core/api/submissions.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness, HOST, openHarness } from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  parse,
  type Reply,
  registerTeam,
  submitAndScore,
  trigger,
  uploadGood,
} from './flow.js';

const DAY = 86_400_000;

describe.each(drivers())('host management routes over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  const patch = (s: string, json: unknown, headers: Record<string, string> = HOST) =>
    call(h, 'PATCH', `/api/competitions/${s}`, { headers, json });
  const get = async (s: string) =>
    parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`)).competition;
  const version = async (s: string) =>
    (await h.database.db.query.competitions.findFirst({ where: (c, { eq }) => eq(c.slug, s) }))?.boardVersion;
  const board = async (s: string, split: 'public' | 'private') =>
    parse(
      leaderboardResponse,
      await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=${split}`, {
        headers: { ...HOST, 'Cache-Control': 'no-cache' },
      }),
    ).rows.map((r) => r.team);

  it('update: title, markdown, end, limits; board version moves only for what the boards show', async () => {
    const s = await createCompetition(h, { description: '# Hello', rules: 'Be *fair*.' });
    expect(await get(s)).toMatchObject({ description: '# Hello', rules: 'Be *fair*.' });
    const v0 = await version(s);
    const text = await patch(s, { description: 'New **text**', rules: '1. one' });
    expect(parse(competitionResponse, text).competition).toMatchObject({
      description: 'New **text**',
      rules: '1. one',
    });
    expect(await version(s)).toBe(v0);
    const endsAt = new Date(h.clock.now().getTime() + 20 * DAY).toISOString();
    const reply = await patch(s, { title: '  Renamed ', endsAt, dailyLimit: 9, finals: 3 });
    expect(parse(competitionResponse, reply).competition).toMatchObject({
      title: 'Renamed',
      endsAt,
      dailyLimit: 9,
      finals: 3,
      phase: 'open',
    });
    expect(await version(s)).toBeGreaterThan(v0 ?? 0);
    // An end moved into the past ends it: the phase (shown on every board) changes.
    const past = new Date(h.clock.now().getTime() - 1000).toISOString();
    expect(parse(competitionResponse, await patch(s, { endsAt: past })).competition.phase).toBe('ended');
  });

  it('update errors: 400 for a bad or empty body, 404 unknown, 409 fewer finals than selected, 415', async () => {
    const s = await createCompetition(h);
    expectError(await patch(s, {}), 400, 'invalid_argument');
    expectError(await patch(s, { title: 'x', datasetPath: '/etc' }), 400, 'invalid_argument');
    expectError(await patch(s, { dailyLimit: 0 }), 400, 'invalid_argument');
    expectError(await patch(s, { description: 'x'.repeat(20_001) }), 400, 'invalid_argument');
    expectError(await patch(s, { endsAt: '2000-01-01T00:00:00Z' }), 400, 'invalid_argument');
    expectError(await patch('no-such-competition', { title: 'x' }), 404, 'not_found');
    expectError(
      await call(h, 'PATCH', `/api/competitions/${s}`, {
        headers: { ...HOST, 'Content-Type': 'text/plain' },
        body: '{}',
      }),
      415,
      'unsupported_media_type',
    );
    const team = await registerTeam(h, s, 'Finalists');
    const ids = [];
    for (const favour of [0, 1])
      ids.push(await submitAndScore(h, s, team.token, await uploadGood(h, s, team.token, favour)));
    for (const id of ids) {
      const put = await call(h, 'PUT', `/api/submissions/${id}/final`, {
        headers: bearer(team.token),
        json: { selected: true },
      });
      expect(put.status, put.text).toBe(200);
    }
    expect(expectError(await patch(s, { finals: 1 }), 409, 'conflict')).toMatch(/Finalists has 2 finals/);
    expect((await get(s)).finals).toBe(2);
  });

  it('reopen: an ended competition gets a future end; 409 while open, 400 for a past end', async () => {
    const s = await createCompetition(h);
    const future = new Date(h.clock.now().getTime() + 5 * DAY).toISOString();
    const reopen = (json: unknown, headers = HOST) =>
      call(h, 'POST', `/api/competitions/${s}/reopen`, { headers, json });
    expect(expectError(await reopen({ endsAt: future }), 409, 'conflict')).toMatch(/has not ended/);
    expect((await call(h, 'POST', `/api/competitions/${s}/close`, { headers: HOST })).status).toBe(200);
    expectError(await reopen({ endsAt: h.clock.now().toISOString() }), 400, 'invalid_argument');
    expectError(await reopen({}), 400, 'invalid_argument');
    expectError(await reopen({ endsAt: future, extra: 1 }), 400, 'invalid_argument');
    const reply = await reopen({ endsAt: future });
    expect(parse(competitionResponse, reply).competition).toMatchObject({ phase: 'open', endsAt: future });
    expectError(
      await call(h, 'POST', '/api/competitions/no-such-competition/reopen', {
        headers: HOST,
        json: { endsAt: future },
      }),
      404,
      'not_found',
    );
  });

  it('disqualify a submission, then a team: off both boards, reason shown to the team and host; reversible', async () => {
    const s = await createCompetition(h);
    const a = await registerTeam(h, s, 'Alpha');
    const b = await registerTeam(h, s, 'Beta');
    // Favouring class 0 (6 test items) beats favouring class 3 (2 items) on both halves.
    const top = await submitAndScore(h, s, a.token, await uploadGood(h, s, a.token, 0));
    const other = await submitAndScore(h, s, a.token, await uploadGood(h, s, a.token, 3));
    await submitAndScore(h, s, b.token, await uploadGood(h, s, b.token, 1));
    const scoreOf = async (id: string) =>
      parse(submissionResponse, await call(h, 'GET', `/api/submissions/${id}`, { headers: HOST })).submission
        .public?.accuracy;
    const best = async () =>
      parse(
        leaderboardResponse,
        await call(h, 'GET', `/api/competitions/${s}/leaderboard`, {
          headers: { ...HOST, 'Cache-Control': 'no-cache' },
        }),
      ).rows.find((r) => r.team === 'Alpha')?.accuracy;
    expect(await best()).toBe(await scoreOf(top));
    expect(await scoreOf(other)).toBeLessThan((await scoreOf(top)) ?? 0);
    const v0 = await version(s);

    const dq = await call(h, 'POST', `/api/submissions/${top}/disqualify`, {
      headers: HOST,
      json: { reason: 'used the test images' },
    });
    expect(parse(disqualifiedSubmissionResponse, dq).submission.disqualification?.reason).toBe(
      'used the test images',
    );
    expect(await version(s)).toBeGreaterThan(v0 ?? 0);
    expect(await best()).toBe(await scoreOf(other)); // the team's next-best submission stands
    const seen = parse(
      submissionResponse,
      await call(h, 'GET', `/api/submissions/${top}`, { headers: bearer(a.token) }),
    );
    expect(seen.submission.disqualification).toMatchObject({ reason: 'used the test images' });
    const page = await call(h, 'GET', `/submissions/${top}`, {
      headers: { Cookie: `sb_session=${a.token}` },
    });
    expect(page.text).toContain('used the test images');

    const team = await call(h, 'POST', `/api/competitions/${s}/teams/${a.id}/disqualify`, {
      headers: HOST,
      json: { reason: 'two accounts' },
    });
    expect(parse(hostTeamResponse, team).team).toMatchObject({
      name: 'Alpha',
      disqualification: { reason: 'two accounts' },
    });
    expect(await board(s, 'public')).toEqual(['Beta']);
    expect(await board(s, 'private')).toEqual(['Beta']);
    const teams = parse(
      hostTeamListResponse,
      await call(h, 'GET', `/api/competitions/${s}/teams`, { headers: HOST }),
    );
    expect(teams.teams.map((t) => [t.name, t.disqualification?.reason ?? null])).toEqual([
      ['Alpha', 'two accounts'],
      ['Beta', null],
    ]);
    const teamPage = await call(h, 'GET', `/c/${s}/team`, { headers: { Cookie: `sb_session=${a.token}` } });
    expect(teamPage.text).toContain('two accounts');
    // A disqualified team cannot submit again (bundle or prediction file): 403 naming the reason.
    h.clock.advance(60_000);
    const again = await trigger(h, s, a.token, await uploadGood(h, s, a.token, 2));
    expect(expectError(again, 403, 'forbidden')).toMatch(/disqualified.*two accounts/);

    expect(
      (await call(h, 'POST', `/api/competitions/${s}/teams/${a.id}/requalify`, { headers: HOST })).status,
    ).toBe(200);
    expect((await call(h, 'POST', `/api/submissions/${top}/requalify`, { headers: HOST })).status).toBe(200);
    expect((await board(s, 'public')).sort()).toEqual(['Alpha', 'Beta']);
    expect(await best()).toBe(await scoreOf(top));
  });

  it('disqualify errors: 400 without a reason or with unknown keys, 404 unknown submission or team', async () => {
    const s = await createCompetition(h);
    const other = await createCompetition(h);
    const t = await registerTeam(h, other);
    const missing = '00000000-0000-4000-8000-000000000000';
    expectError(
      await call(h, 'POST', `/api/submissions/${missing}/disqualify`, {
        headers: HOST,
        json: { reason: 'x' },
      }),
      404,
      'not_found',
    );
    expectError(
      await call(h, 'POST', `/api/submissions/${missing}/disqualify`, {
        headers: HOST,
        json: { reason: ' ' },
      }),
      400,
      'invalid_argument',
    );
    expectError(
      await call(h, 'POST', `/api/submissions/not-a-uuid/disqualify`, {
        headers: HOST,
        json: { reason: 'x' },
      }),
      400,
      'invalid_argument',
    );
    // A team of another competition is not found under this one.
    expectError(
      await call(h, 'POST', `/api/competitions/${s}/teams/${t.id}/disqualify`, {
        headers: HOST,
        json: { reason: 'x' },
      }),
      404,
      'not_found',
    );
    expectError(
      await call(h, 'POST', `/api/competitions/${other}/teams/${t.id}/disqualify`, {
        headers: HOST,
        json: { reason: 'x', why: 1 },
      }),
      400,
      'invalid_argument',
    );
    expectError(
      await call(h, 'GET', '/api/competitions/no-such-competition/teams', { headers: HOST }),
      404,
      'not_found',
    );
  });

  it('security: 401 without or with a bad token, 403 for a team token, on every management route', async () => {
    const s = await createCompetition(h);
    const t = await registerTeam(h, s);
    const id = '00000000-0000-4000-8000-000000000000';
    const routes: [string, string, unknown][] = [
      ['PATCH', `/api/competitions/${s}`, { title: 'x' }],
      ['POST', `/api/competitions/${s}/reopen`, { endsAt: '2099-01-01T00:00:00Z' }],
      ['GET', `/api/competitions/${s}/teams`, undefined],
      ['POST', `/api/submissions/${id}/disqualify`, { reason: 'x' }],
      ['POST', `/api/submissions/${id}/requalify`, undefined],
      ['POST', `/api/competitions/${s}/teams/${t.id}/disqualify`, { reason: 'x' }],
      ['POST', `/api/competitions/${s}/teams/${t.id}/requalify`, undefined],
      ['PUT', `/api/competitions/${s}/labels`, undefined],
    ];
    const before = await get(s);
    for (const [method, path, json] of routes) {
      const as = (headers: Record<string, string>): Promise<Reply> =>
        call(h, method, path, { headers, json });
      expectError(await as({}), 401, 'unauthenticated');
      expectError(await as(bearer('sb_forged-token-0123456789')), 401, 'unauthenticated');
      expectError(await as(bearer(t.token)), 403, 'forbidden');
    }
    expect(await get(s)).toEqual(before);
    expect(
      parse(hostTeamListResponse, await call(h, 'GET', `/api/competitions/${s}/teams`, { headers: HOST }))
        .teams[0].disqualification,
    ).toBeNull();
  });
});
