// `GET /api/competitions/:slug/submissions?limit&offset`: a team's submissions a page at a time, newest first.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submissionListResponse } from '../../core/api/submissions.js';
import { competitions, submissions } from '../../functions/db/schema.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness, openHarness } from './fixtures.js';
import { call, createCompetition, expectError, parse, registerTeam, uploadGood } from './flow.js';

const COUNT = 230;

describe.each(drivers())('a team’s submissions, paginated, over %s', (driver) => {
  let h: Harness;
  let s: string;
  let token: string;
  /** The team's submission ids, newest first (two share a time: the larger id is newer). */
  let newestFirst: string[];

  /** Writes `n` submissions of a team straight into the table, one minute apart, some scored or failed. */
  async function seed(teamId: string, bundleId: string, n: number): Promise<{ id: string; at: number }[]> {
    const [c] = await h.database.db.select().from(competitions).where(eq(competitions.slug, s));
    const base = h.clock.now().getTime() - 86_400_000;
    const rows = Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      competitionId: c.id,
      teamId,
      bundleId,
      status: i % 3 === 0 ? ('scored' as const) : ('failed' as const),
      publicAccuracy: i % 3 === 0 ? 0.5 : null,
      publicCorrect: i % 3 === 0 ? 5 : null,
      publicTotal: i % 3 === 0 ? 10 : null,
      createdAt: new Date(base + Math.min(i, n - 2) * 60_000), // the last two share a time
    }));
    await h.database.db.insert(submissions).values(rows);
    return rows.map((r) => ({ id: r.id, at: r.createdAt.getTime() }));
  }

  const list = (query = '', who = token) =>
    call(h, 'GET', `/api/competitions/${s}/submissions${query}`, { headers: bearer(who) });

  beforeAll(async () => {
    h = await openHarness(driver);
    s = await createCompetition(h);
    const team = await registerTeam(h, s);
    token = team.token;
    const rows = await seed(team.id, await uploadGood(h, s, token), COUNT);
    newestFirst = rows.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((r) => r.id);
    const other = await registerTeam(h, s);
    await seed(other.id, await uploadGood(h, s, other.token), 3);
  }, 60_000);
  afterAll(() => h?.close());

  it('answers the first 50, newest first, with the total', async () => {
    const page = parse(submissionListResponse, await list());
    expect(page).toMatchObject({ total: COUNT, limit: 50, offset: 0 });
    expect(page.submissions.map((x) => x.id)).toEqual(newestFirst.slice(0, 50));
  });

  it('walks every page exactly once, in order, and the last page is short', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < COUNT; offset += 70) {
      const page = parse(submissionListResponse, await list(`?limit=70&offset=${offset}`));
      expect(page).toMatchObject({ total: COUNT, limit: 70, offset });
      expect(page.submissions.length).toBe(Math.min(70, COUNT - offset));
      seen.push(...page.submissions.map((x) => x.id));
    }
    expect(seen).toEqual(newestFirst);
    const biggest = parse(submissionListResponse, await list('?limit=200&offset=200'));
    expect(biggest.submissions.map((x) => x.id)).toEqual(newestFirst.slice(200));
  });

  it('answers an offset past the end with an empty page and the total', async () => {
    const page = parse(submissionListResponse, await list('?offset=5000'));
    expect(page).toEqual({ total: COUNT, limit: 50, offset: 5000, submissions: [] });
  });

  it('refuses a limit above 200 or below 1, a negative offset, and non-numbers (400)', async () => {
    for (const q of ['?limit=201', '?limit=0', '?offset=-1', '?limit=ten', '?limit=2.5', '?page=2']) {
      expectError(await list(q), 400, 'invalid_argument');
    }
    expect(parse(submissionListResponse, await list('?limit=200')).submissions).toHaveLength(200);
  });

  it('shows a new team none of the others', async () => {
    const fresh = await registerTeam(h, s);
    expect(parse(submissionListResponse, await list('', fresh.token))).toEqual({
      total: 0,
      limit: 50,
      offset: 0,
      submissions: [],
    });
  });

  it('documents limit and offset in /openapi.json', async () => {
    const doc = (await call(h, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const params = doc.paths['/api/competitions/{slug}/submissions'].get.parameters ?? [];
    expect(params.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['limit', 'offset']);
  });
});
