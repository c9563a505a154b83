// Boards at scale over HTTP: pages (limit/offset/total), strong ETags with 304s, Cache-Control per audience,
// a new score visible within a second, and the HTML board's 100-row pages with the team's own row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import {
  claimSubmission,
  completeSubmission,
  registerTeam,
  triggerSubmission,
} from '../../functions/services/index.js';
import { addBundle, drivers } from '../helpers/db.js';
import { type Harness, HOST, openHarness } from './fixtures.js';
import { call, createCompetition, expectError, parse } from './flow.js';

const PUBLIC = 'public, max-age=5, stale-while-revalidate=30';
const RUNTIME = {
  backend: 'onnxruntime',
  versions: {},
  bundleSha256: 'f'.repeat(64),
  datasetSha256: 'a'.repeat(64),
};

describe.each(drivers())('boards over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  /** A team with one scored submission of `correct` out of 1000 public (and 1000 - correct private). */
  async function rankedTeam(s: string, name: string, correct: number) {
    const { team, token } = await registerTeam(h.ctx, s, { name, members: [name.toLowerCase()] });
    const bundleId = await addBundle(h.ctx, team.id);
    await score(team.id, bundleId, correct);
    return { id: team.id, token, bundleId };
  }

  async function score(teamId: string, bundleId: string, correct: number) {
    h.clock.advance(1_000);
    const { submission } = await triggerSubmission(h.ctx, { teamId, bundleId });
    const claim = await claimSubmission(h.ctx, submission.id, 1);
    await completeSubmission(h.ctx, submission.id, claim!.leaseToken, {
      public: { correct, total: 1000 },
      private: { correct: 1000 - correct, total: 1000 },
      runtime: RUNTIME,
      outputKey: `outputs/${submission.id}.csv`,
    });
  }

  const board = (s: string, query = '', headers: Record<string, string> = {}) =>
    call(h, 'GET', `/api/competitions/${s}/leaderboard${query}`, { headers });

  it('pages the board and reports the total; limit and offset are checked', async () => {
    const s = await createCompetition(h);
    for (const [i, name] of ['Ann', 'Ben', 'Cat', 'Dan', 'Eve'].entries()) await rankedTeam(s, name, 900 - i);
    const all = parse(leaderboardResponse, await board(s));
    expect(all).toMatchObject({ total: 5, limit: 100, offset: 0 });
    expect(all.rows.map((r) => r.team)).toEqual(['Ann', 'Ben', 'Cat', 'Dan', 'Eve']);
    const page = parse(leaderboardResponse, await board(s, '?limit=2&offset=2'));
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(page.rows.map((r) => [r.rank, r.team])).toEqual([
      [3, 'Cat'],
      [4, 'Dan'],
    ]);
    expect(parse(leaderboardResponse, await board(s, '?offset=10')).rows).toEqual([]);
    const csv = await board(s, '?limit=2&offset=1', { Accept: 'text/csv' });
    expect(
      csv.text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]),
    ).toEqual(['Ben', 'Cat']);
    expectError(await board(s, '?limit=1001'), 400, 'invalid_argument');
    expectError(await board(s, '?limit=0'), 400, 'invalid_argument');
    expectError(await board(s, '?offset=-1'), 400, 'invalid_argument');
  });

  it('answers If-None-Match with 304 until the board changes; a new score shows within a second', async () => {
    const s = await createCompetition(h);
    const ann = await rankedTeam(s, 'Ann', 500);
    const first = await board(s);
    const etag = first.res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/); // strong
    expect(first.res.headers.get('cache-control')).toBe(PUBLIC);
    const again = await board(s, '', { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.res.headers.get('etag')).toBe(etag);
    const csv = await board(s, '', { Accept: 'text/csv' });
    expect(csv.res.headers.get('etag')).not.toBe(etag); // another representation, another tag
    expect(
      (await board(s, '', { Accept: 'text/csv', 'If-None-Match': csv.res.headers.get('etag')! })).status,
    ).toBe(304);

    await score(ann.id, ann.bundleId, 700);
    // A client that asks for revalidation (the CLI right after its own score) sees it at once.
    const revalidated = await board(s, '', { 'If-None-Match': etag, 'Cache-Control': 'no-cache' });
    expect(revalidated.status).toBe(200);
    expect(parse(leaderboardResponse, revalidated).rows[0]).toMatchObject({ accuracy: 0.7, submissions: 2 });
    await expect
      .poll(async () => (await board(s, '', { 'If-None-Match': etag })).status, {
        timeout: 1_000,
        interval: 50,
      })
      .toBe(200);
    const fresh = parse(leaderboardResponse, await board(s));
    expect(fresh.rows[0]).toMatchObject({ team: 'Ann', accuracy: 0.7, submissions: 2 });
  });

  it('lets shared caches keep public boards, never the host’s private view before the end', async () => {
    const s = await createCompetition(h);
    await rankedTeam(s, 'Ann', 500);
    const hostPrivate = await board(s, '?split=private', HOST);
    expect(hostPrivate.status).toBe(200);
    expect(hostPrivate.res.headers.get('cache-control')).toBe('private, no-cache');
    expect(hostPrivate.res.headers.get('vary')).toMatch(/Authorization/);
    expectError(await board(s, '?split=private'), 403, 'forbidden');
    expect((await call(h, 'POST', `/api/competitions/${s}/close`, { headers: HOST })).status).toBe(200);
    const after = await board(s, '?split=private');
    expect(after.status).toBe(200);
    expect(after.res.headers.get('cache-control')).toBe(PUBLIC);
  });

  it('rebuilds the standings on the host’s request; teams may not', async () => {
    const s = await createCompetition(h);
    const ann = await rankedTeam(s, 'Ann', 500);
    const etag = (await board(s)).res.headers.get('etag') ?? '';
    const reply = await call(h, 'POST', `/api/competitions/${s}/standings/rebuild`, { headers: HOST });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toMatchObject({ competition: s, teams: { public: 1, private: 1 } });
    expect((await board(s, '', { 'If-None-Match': etag })).status).toBe(200); // the version moved
    const forbidden = await call(h, 'POST', `/api/competitions/${s}/standings/rebuild`, {
      headers: { Authorization: `Bearer ${ann.token}` },
    });
    expectError(forbidden, 403, 'forbidden');
    expectError(await call(h, 'POST', `/api/competitions/${s}/standings/rebuild`), 401, 'unauthenticated');
    expectError(
      await call(h, 'POST', '/api/competitions/no-such/standings/rebuild', { headers: HOST }),
      404,
      'not_found',
    );
  });

  it('shows 100 teams a page with links, and the signed-in team’s own row when it is off the page', async () => {
    const s = await createCompetition(h);
    let last = { id: '', token: '', bundleId: '' };
    for (let i = 0; i < 104; i++) last = await rankedTeam(s, `T${String(i).padStart(3, '0')}`, 900 - i);
    const anon = await h.app.request(`/c/${s}`);
    const html = await anon.text();
    expect(anon.headers.get('cache-control')).toBe(PUBLIC);
    expect(html.match(/<tr(?: [^>]*)?>\s*<td class="num">\d+<\/td>/g)?.length).toBe(100);
    expect(html).toContain(`href="/c/${s}?page=2"`);
    expect(html).toContain('Ranks 1–100 of 104');
    const etag = anon.headers.get('etag') ?? '';
    expect((await h.app.request(`/c/${s}`, { headers: { 'If-None-Match': etag } })).status).toBe(304);

    const signIn = await h.app.request('/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams({ token: last.token, next: `/c/${s}` }).toString(),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/^sb_session=/);
    const mine = await h.app.request(`/c/${s}`, { headers: { cookie } });
    const mineHtml = await mine.text();
    expect(mine.headers.get('cache-control')).toBe('private, no-cache');
    expect(mineHtml.match(/<tr(?: [^>]*)?>\s*<td class="num">\d+<\/td>/g)?.length).toBe(101);
    expect(mineHtml).toMatch(/<tr class="mine" id="you">\s*<td class="num">104<\/td>/);
    const page2 = await (await h.app.request(`/c/${s}?page=2`, { headers: { cookie } })).text();
    expect(page2.match(/<tr(?: [^>]*)?>\s*<td class="num">\d+<\/td>/g)?.length).toBe(4); // own row not twice
    expect(page2).toContain(`href="/c/${s}?page=1"`);
  });
});
