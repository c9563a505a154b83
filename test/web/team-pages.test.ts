// The team page with more submissions than a page: 50 rows a page, Newer/Older links, the chart over all of them.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitions, submissions } from '../../functions/db/schema.js';
import { seedCompetition } from '../helpers/db.js';
import { csrfOf, openWebHarness, page, postFinal, signIn, type WebHarness } from './harness.js';

const COUNT = 120;
/** Every 4th submission is scored; the best public score sits on the last page. */
const scored = (i: number) => i % 4 === 0;

let h: WebHarness;
let slug: string;
let cookie: string;
/** Ids newest first. */
const ids: string[] = [];

/** Submission ids of the table rows, in page order. */
const rowIds = (html: string) => [...html.matchAll(/<tr id="s-([0-9a-f-]{36})"/g)].map((m) => m[1]);

beforeAll(async () => {
  h = await openWebHarness();
  const seed = await seedCompetition(h.ctx, { finals: 2 });
  slug = seed.slug;
  const [c] = await h.ctx.db.select().from(competitions).where(eq(competitions.slug, slug));
  const start = h.clock.now().getTime() - 86_400_000;
  // i = 0 is the newest; the oldest scored one (i = 116) has the best score and is a final.
  const rows = Array.from({ length: COUNT }, (_, i) => ({
    id: randomUUID(),
    competitionId: c.id,
    teamId: seed.teamId,
    bundleId: seed.bundleId,
    status: scored(i) ? ('scored' as const) : ('failed' as const),
    errorCode: scored(i) ? null : 'model_output',
    errorMessage: scored(i) ? null : `bad output ${i}`,
    publicAccuracy: scored(i) ? 0.5 + i / 1000 : null,
    publicCorrect: scored(i) ? 500 + i : null,
    publicTotal: scored(i) ? 1000 : null,
    selectedFinal: i === 116,
    createdAt: new Date(start + (COUNT - i) * 60_000),
  }));
  await h.ctx.db.insert(submissions).values(rows);
  ids.push(...rows.map((r) => r.id));
  cookie = await signIn(h, seed.token);
}, 60_000);
afterAll(() => h?.close());

describe('the team page, paginated', () => {
  it('shows the newest 50 rows and a link to the next (older) page, none to a newer one', async () => {
    const { status, html } = await page(h, `/c/${slug}/team`, cookie);
    expect(status).toBe(200);
    expect(rowIds(html)).toEqual(ids.slice(0, 50));
    expect(html).toContain('1–50 of 120');
    expect(html).toContain(`<a href="/c/${slug}/team?offset=50" rel="next">Older →</a>`);
    expect(html).not.toContain('rel="prev"');
    expect(html).toContain('test-bundle');
  });

  it('draws the chart, the best score and the finals count from every submission, not the page', async () => {
    const { html } = await page(h, `/c/${slug}/team`, cookie);
    expect(html.match(/<circle /g)).toHaveLength(COUNT / 4);
    expect(html).toContain('Best public score: 0.6160 (616/1000)');
    expect(html).toContain('1 of 2 selected');
  });

  it('links the middle page both ways and the last page back only', async () => {
    const middle = await page(h, `/c/${slug}/team?offset=50`, cookie);
    expect(rowIds(middle.html)).toEqual(ids.slice(50, 100));
    expect(middle.html).toContain('51–100 of 120');
    expect(middle.html).toContain(`<a href="/c/${slug}/team" rel="prev">← Newer</a>`);
    expect(middle.html).toContain(`<a href="/c/${slug}/team?offset=100" rel="next">Older →</a>`);
    const last = await page(h, `/c/${slug}/team?offset=100`, cookie);
    expect(rowIds(last.html)).toEqual(ids.slice(100));
    expect(last.html).toContain(`<a href="/c/${slug}/team?offset=50" rel="prev">← Newer</a>`);
    expect(last.html).not.toContain('rel="next"');
  });

  it('answers an offset past the end with no rows and a way back; a bad offset is 400', async () => {
    const past = await page(h, `/c/${slug}/team?offset=500`, cookie);
    expect(past.status).toBe(200);
    expect(rowIds(past.html)).toEqual([]);
    expect(past.html).toContain('No submissions on this page');
    expect(past.html).toContain(`<a href="/c/${slug}/team?offset=70" rel="prev">← Newer</a>`);
    for (const bad of ['-1', 'ten', '1.5']) {
      expect((await page(h, `/c/${slug}/team?offset=${bad}`, cookie)).status).toBe(400);
    }
  });

  it('returns to the same page after a final is toggled there', async () => {
    const { html } = await page(h, `/c/${slug}/team?offset=100`, cookie);
    expect(html).toContain('name="offset" value="100"');
    const res = await postFinal(h, slug, { cookie, csrf: csrfOf(html) }, ids[116], false, { offset: '100' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/c/${slug}/team?offset=100`);
    expect((await page(h, `/c/${slug}/team`, cookie)).html).toContain('0 of 2 selected');
  });
});
