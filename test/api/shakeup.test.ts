// The shake-up after the end (route, page, `sketchboard leaderboard --shakeup`): happy / error / security,
// checked against an independent bootstrap over the scored submissions' stored predictions and the labels.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { getRequestListener } from '@hono/node-server';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { shakeupResponse } from '../../core/api/shakeup.js';
import { shakeupLines } from '../../core/cli/shakeup-table.js';
import { SketchboardClient } from '../../core/client/client.js';
import { pairedBootstrap } from '../../core/metrics/bootstrap.js';
import { competitions, submissions, testItems } from '../../functions/db/schema.js';
import { SHAKEUP_RESAMPLES, SHAKEUP_SEED } from '../../functions/services/index.js';
import { cli } from '../client/harness.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness, HOST, ID_PREFIX, openHarness } from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  parse,
  registerTeam,
  submitAndScore,
  uploadGood,
} from './flow.js';

describe.each(drivers())('the shake-up over %s', (driver) => {
  let h: Harness;
  let slug: string;
  let open: string;
  let team: { id: string; token: string };
  /** Submission ids by team name, the counted (best public) one of each. */
  const scored = new Map<string, string>();
  beforeAll(async () => {
    h = await openHarness(driver);
    slug = await createCompetition(h);
    // Constant models: each team predicts one class; team names say which.
    for (const favour of [0, 1, 2]) {
      const t = await registerTeam(h, slug, `favours-${favour}`);
      team ??= t;
      scored.set(
        `favours-${favour}`,
        await submitAndScore(h, slug, t.token, await uploadGood(h, slug, t.token, favour)),
      );
    }
    open = await createCompetition(h, { autoFinals: false });
    expect((await call(h, 'POST', `/api/competitions/${slug}/close`, { headers: HOST })).status).toBe(200);
  }, 180_000);
  afterAll(() => h?.close());
  const get = (s: string, headers: Record<string, string> = {}) =>
    call(h, 'GET', `/api/competitions/${s}/shakeup`, { headers });

  it('happy: ranks, private scores and intervals equal an independent bootstrap over output.csv and labels', async () => {
    const reply = await get(slug);
    expect(reply.status, reply.text).toBe(200);
    const body = parse(shakeupResponse, reply);
    const board = await call(h, 'GET', `/api/competitions/${slug}/leaderboard?split=private`);
    const privateRows = (board.body as { rows: { team: string; accuracy: number; rank: number }[] }).rows;
    expect(body.rows.map((r) => [r.team, r.privateRank, r.privateScore])).toEqual(
      privateRows.map((r) => [r.team, r.rank, r.accuracy]),
    );
    expect(body).toMatchObject({
      phase: 'ended',
      resamples: SHAKEUP_RESAMPLES,
      seed: SHAKEUP_SEED,
      level: 0.95,
    });
    // Independently: per-item correctness from each counted submission's output.csv and the private labels.
    const [c] = await h.database.db.select().from(competitions).where(eq(competitions.slug, slug));
    const items = await h.database.db
      .select()
      .from(testItems)
      .where(and(eq(testItems.competitionId, c.id), eq(testItems.split, 'private')))
      .orderBy(asc(testItems.position));
    expect(body.items).toBe(items.length);
    const vectors = await Promise.all(
      body.rows.map(async (r) => {
        const [s] = await h.database.db
          .select()
          .from(submissions)
          .where(eq(submissions.id, scored.get(r.team)!));
        // The runner's progress landed on the row: every image done by the end.
        expect([s.progressDone, s.progressTotal]).toEqual([h.dataset.ids.length, h.dataset.ids.length]);
        const lines = (await text(await h.blobs.getStream(s.outputKey!))).trim().split('\n').slice(1);
        const predicted = new Map(lines.map((l) => [l.split(',')[0], Number(l.split(',')[2])]));
        return items.map((i) => (predicted.get(i.itemId) === i.label ? 1 : 0));
      }),
    );
    const want = pairedBootstrap(vectors, { seed: SHAKEUP_SEED, resamples: SHAKEUP_RESAMPLES });
    const r4 = (x: number) => Number(x.toFixed(4));
    body.rows.forEach((row, i) => {
      expect(row.interval).toEqual({ lo: r4(want.teams[i].interval.lo), hi: r4(want.teams[i].interval.hi) });
      expect(row.privateScore).toBe(r4(want.teams[i].accuracy));
      expect(row.vsNext?.significant ?? null).toBe(
        i + 1 < body.rows.length ? want.pairs[i].significant : null,
      );
      expect(row.rankChange).toBe(row.publicRank === null ? null : row.publicRank - row.privateRank);
    });
  });

  it('happy: computed once per board version (ETag, 304), the page and the CLI show it', async () => {
    const reads = vi.spyOn(h.blobs, 'getStream');
    const first = await get(slug);
    const etag = first.res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await get(slug, { 'If-None-Match': etag! })).status).toBe(304);
    expect((await get(slug)).text).toBe(first.text);
    const html = await h.app.request(`/c/${slug}/shakeup`);
    expect(html.status).toBe(200);
    const page = await html.text();
    for (const name of scored.keys()) expect(page).toContain(name);
    expect(page).toMatch(/not significant|significant/);
    expect(reads).not.toHaveBeenCalled(); // built by the first test's request: no output.csv read since
    reads.mockRestore();

    const server = createServer(getRequestListener(h.app.fetch));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await cli(['leaderboard', slug, '--shakeup'], { server: url });
      expect(run.code, run.err).toBe(0);
      const lines = run.out.trim().split('\n');
      expect(lines).toEqual(shakeupLines(await new SketchboardClient({ server: url }).shakeup(slug)));
      expect(lines[0]).toMatch(/private\s+public\s+change\s+team\s+accuracy\s+95% interval/);
      expect(lines.slice(2, 5).map((l) => l.split(/\s+/).find((w) => w.startsWith('favours-')))).toEqual(
        parse(shakeupResponse, first).rows.map((r) => r.team),
      );
      expect(lines.at(-1)).toMatch(/1000 paired bootstrap resamples/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('error: 403 before the end for teams and anyone, 409 for the host; 404 unknown, 400 malformed', async () => {
    expect(expectError(await get(open), 403, 'forbidden')).toMatch(/when the competition ends/);
    expectError(await get(open, bearer(team.token)), 403, 'forbidden');
    expectError(await get(open, HOST), 409, 'conflict');
    expect((await h.app.request(`/c/${open}/shakeup`)).status).toBe(403);
    expectError(await get('no-such-competition'), 404, 'not_found');
    expectError(await get('Bad_Slug!'), 400, 'invalid_argument');
    const created = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${open}`));
    expect(created.competition.autoFinals).toBe(false); // settable at creation
  });

  it('security: only ranks, scores and intervals: no item ids, labels or per-item results', async () => {
    const reply = await get(slug, bearer(team.token));
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(ID_PREFIX);
    expect(reply.text).not.toMatch(/label|image_path|target|correct/i);
    const page = await (await h.app.request(`/c/${slug}/shakeup`)).text();
    expect(page).not.toContain(ID_PREFIX);
    expectError(await get(slug, bearer('sb_forged-token-0123456789')), 401, 'unauthenticated');
  });
});
