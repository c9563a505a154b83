// "Changes nothing": a snapshot of everything a refused request could touch, checked after each test.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asc, count } from 'drizzle-orm';
import { afterEach, beforeEach, expect } from 'vitest';
import { bundles, competitions, submissions, teams, testItems } from '../../functions/db/schema.js';
import type { Harness } from './fixtures.js';
import { call } from './flow.js';

/** Rows (whole, ordered by id), test item count, blob files, upload leftovers and dataset folders. */
export async function snapshot(h: Harness): Promise<string> {
  const db = h.database.db;
  const rows = await Promise.all(
    [competitions, teams, bundles, submissions].map((t) => db.select().from(t).orderBy(asc(t.id))),
  );
  const [{ n: items }] = await db.select({ n: count() }).from(testItems);
  const list = async (dir: string) => (await readdir(dir, { recursive: true }).catch(() => [])).sort();
  return JSON.stringify({
    rows,
    items,
    blobs: await list(join(h.root, 'blobs')),
    work: await h.leftovers(),
    datasets: await list(h.config.datasetsDir),
  });
}

/**
 * Register hooks: every test must leave the snapshot as it found it and the service healthy. A test that
 * makes legitimate changes first calls `rebase()` before the refused requests it checks.
 */
export function expectNothingChanges(harness: () => Harness): { rebase(): Promise<void>; current(): string } {
  let before = '';
  const rebase = async () => {
    before = await snapshot(harness());
  };
  beforeEach(rebase);
  afterEach(async () => {
    expect(await snapshot(harness())).toBe(before);
    expect((await call(harness(), 'GET', '/healthz')).status).toBe(200);
  });
  return { rebase, current: () => before };
}
