// A team's submissions a page at a time: the client's query string, allSubmissions and `finals` over several pages.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SketchboardClient } from '../../core/client/client.js';
import { allSubmissions } from '../../core/client/paging.js';
import { cli } from './harness.js';
import { fakeSubmission, json, requests, scripted, stopScripted } from './scripted-server.js';

afterEach(stopScripted);

const BUNDLE = randomUUID();
/** 450 submissions, newest first; two finals on the older pages. */
const ALL = Array.from({ length: 450 }, (_, i) =>
  fakeSubmission(randomUUID(), BUNDLE, 'scored', {
    createdAt: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(),
    public: { accuracy: 0.5, correct: 5, total: 10 },
    selectedFinal: i === 300 || i === 420,
  }),
);

/** Serves ALL as the API does: `limit` (default 50, at most 200) and `offset` from the query. */
async function listServer(extra: Parameters<typeof scripted>[0] = {}): Promise<string> {
  return scripted({
    'GET /api/competitions/c/submissions': (req, res) => {
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      const limit = Number(q.get('limit') ?? 50);
      const offset = Number(q.get('offset') ?? 0);
      if (limit > 200)
        return json(res, 400, { error: { code: 'invalid_argument', message: 'limit', requestId: 'r' } });
      json(res, 200, { total: ALL.length, limit, offset, submissions: ALL.slice(offset, offset + limit) });
    },
    ...extra, // after the list: routes match by prefix in order
  });
}

describe('paging through a team’s submissions', () => {
  it('submissions(slug, page) sends limit and offset and returns the page with the total', async () => {
    const client = new SketchboardClient({ server: await listServer(), token: 't' });
    const page = await client.submissions('c', { limit: 20, offset: 440 });
    expect(page).toMatchObject({ total: 450, limit: 20, offset: 440 });
    expect(page.submissions.map((s) => s.id)).toEqual(ALL.slice(440).map((s) => s.id));
    expect((await client.submissions('c')).submissions).toHaveLength(50);
    expect(requests.map((r) => r.url)).toEqual([
      '/api/competitions/c/submissions?limit=20&offset=440',
      '/api/competitions/c/submissions',
    ]);
  });

  it('allSubmissions reads every page of 200, newest first, and stops at the total', async () => {
    const client = new SketchboardClient({ server: await listServer(), token: 't' });
    const all = await allSubmissions(client, 'c');
    expect(all.map((s) => s.id)).toEqual(ALL.map((s) => s.id));
    expect(requests.map((r) => r.url)).toEqual([
      '/api/competitions/c/submissions?limit=200&offset=0',
      '/api/competitions/c/submissions?limit=200&offset=200',
      '/api/competitions/c/submissions?limit=200&offset=400',
    ]);
  });

  it('`finals` counts finals found on older pages and lists every submission', async () => {
    const url = await listServer({
      'GET /api/competitions/c': (_q, res) =>
        json(res, 200, {
          competition: {
            id: randomUUID(),
            slug: 'c',
            title: 'C',
            classes: 10,
            startsAt: '2025-12-01T00:00:00.000Z',
            endsAt: '2026-02-01T00:00:00.000Z',
            phase: 'open',
            dailyLimit: 500,
            finals: 2,
            publicFraction: 0.5,
            testItems: { public: 10, private: 10 },
            datasetSha256: 'a'.repeat(64),
            createdAt: '2025-12-01T00:00:00.000Z',
          },
        }),
    });
    const run = await cli(['finals', 'c'], { server: url, token: 't' });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('c: 450 submission(s), 2 of 2 finals selected (open)');
    for (const i of [0, 300, 449]) expect(run.out).toContain(ALL[i].id.slice(0, 8));
  });
});
