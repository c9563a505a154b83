// A team's submissions read a page at a time over every driver: one limited query plus a count, the chart's light history.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../functions/db/client.js';
import { competitions, submissions } from '../../functions/db/schema.js';
import {
  bundleNames,
  listSubmissions,
  type ServiceContext,
  scoreHistory,
} from '../../functions/services/index.js';
import { addBundle, drivers, openTestServices, seedCompetition } from '../helpers/db.js';

const COUNT = 1000;

/** The SQL of a built query, when `q` is one. */
function sqlOf(q: unknown): string {
  const toSQL = typeof q === 'object' && q !== null ? Reflect.get(q, 'toSQL') : undefined;
  return typeof toSQL === 'function' ? String(toSQL.call(q).sql) : '(not a query)';
}

/** `ctx` whose `db.select(...).from(...)` records each query, to read the SQL it ran afterwards. */
function recording(ctx: ServiceContext): { ctx: ServiceContext; sql(): string[] } {
  const queries: unknown[] = [];
  const db = new Proxy(ctx.db, {
    get(target, key, receiver) {
      if (key !== 'select') return Reflect.get(target, key, receiver);
      return (...args: Parameters<Db['select']>) =>
        new Proxy(target.select(...args), {
          get(builder, k, r) {
            const value: unknown = Reflect.get(builder, k, r);
            if (k !== 'from' || typeof value !== 'function') return value;
            return (...from: unknown[]) => {
              const query: unknown = value.apply(builder, from);
              queries.push(query);
              return query;
            };
          },
        });
    },
  });
  return { ctx: { ...ctx, db }, sql: () => queries.map(sqlOf) };
}

describe.each(drivers())('paged submissions over %s', (driver) => {
  let t: Awaited<ReturnType<typeof openTestServices>>;
  let teamId: string;
  let bundleId: string;
  /** Ids newest first; every 4th scored (public 0.001 * i), every 10th of those a final. */
  const ids: string[] = [];

  beforeAll(async () => {
    t = await openTestServices(driver);
    const seeded = await seedCompetition(t.ctx);
    teamId = seeded.teamId;
    bundleId = seeded.bundleId;
    const [c] = await t.ctx.db.select().from(competitions).where(eq(competitions.slug, seeded.slug));
    const start = t.clock.now().getTime() - 2 * 86_400_000;
    const rows = Array.from({ length: COUNT }, (_, i) => {
      const scored = i % 4 === 0;
      return {
        id: randomUUID(),
        competitionId: c.id,
        teamId,
        bundleId,
        status: scored ? ('scored' as const) : i % 4 === 1 ? ('failed' as const) : ('queued' as const),
        publicAccuracy: scored ? i / 1000 : null,
        publicCorrect: scored ? i : null,
        publicTotal: scored ? 1000 : null,
        selectedFinal: scored && i % 40 === 0,
        createdAt: new Date(start + i * 1000),
      };
    });
    await t.ctx.db.insert(submissions).values(rows);
    ids.push(...rows.map((r) => r.id).reverse());
  }, 60_000);
  afterAll(() => t?.close());

  it('reads a page of 50 in one limited query plus one count, never the whole list', async () => {
    const rec = recording(t.ctx);
    const page = await listSubmissions(rec.ctx, teamId);
    expect(page.total).toBe(COUNT);
    expect(page.submissions.map((s) => s.id)).toEqual(ids.slice(0, 50));
    const statements = rec.sql();
    // The page, the count, and (queued ones on the page) one statement for their queue positions and estimate.
    expect(statements).toHaveLength(3);
    expect(
      statements.filter((q) => / from "submissions" .* limit \$\d+( offset \$\d+)?$/.test(q)),
    ).toHaveLength(1);
    expect(statements.filter((q) => /count\(\*\)/.test(q) && !/percentile_cont/.test(q))).toHaveLength(1);
  });

  it('answers later pages, the last one short, and an empty page past the end with the total', async () => {
    const last = await listSubmissions(t.ctx, teamId, { limit: 200, offset: 900 });
    expect(last).toMatchObject({ total: COUNT, limit: 200, offset: 900 });
    expect(last.submissions.map((s) => s.id)).toEqual(ids.slice(900));
    expect(await listSubmissions(t.ctx, teamId, { offset: COUNT })).toEqual({
      total: COUNT,
      limit: 50,
      offset: COUNT,
      submissions: [],
    });
  });

  it('gives the chart every scored public score, oldest first, without full rows', async () => {
    const history = await scoreHistory(t.ctx, teamId);
    expect(history).toHaveLength(COUNT / 4);
    expect(history[0]).toEqual({
      id: ids[COUNT - 1],
      createdAt: expect.any(Date),
      public: { accuracy: 0, correct: 0, total: 1000 },
      selectedFinal: true,
    });
    expect(Object.keys(history[1]).sort()).toEqual(['createdAt', 'id', 'public', 'selectedFinal']);
    expect(history.at(-1)?.public.accuracy).toBe(0.996);
    expect(history.filter((p) => p.selectedFinal)).toHaveLength(COUNT / 40);
  });

  it('names only the bundles asked for, of this team only', async () => {
    const other = await addBundle(t.ctx, teamId, 4);
    const names = await bundleNames(t.ctx, teamId, [bundleId, bundleId, 'not-a-uuid']);
    expect([...names.keys()]).toEqual([bundleId]);
    expect(names.get(bundleId)).toBe('test-bundle');
    const seeded = await seedCompetition(t.ctx);
    expect((await bundleNames(t.ctx, seeded.teamId, [bundleId, other])).size).toBe(0);
    expect(await bundleNames(t.ctx, teamId, [])).toEqual(new Map());
  });
});
