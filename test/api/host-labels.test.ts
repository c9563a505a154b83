// `PUT /api/competitions/:slug/labels`: corrected labels rescore every scored submission from its stored predictions.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsResponse } from '../../core/api/host.js';
import { submissionResponse } from '../../core/api/submissions.js';
import { competitions, submissions, testItems } from '../../functions/db/schema.js';
import { drivers } from '../helpers/db.js';
import { bearer, type Harness, HOST, openHarness } from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  parse,
  registerTeam,
  submitAndScore,
  uploadGood,
} from './flow.js';

describe.each(drivers())('replacing the test labels over %s', (driver) => {
  let h: Harness;
  let s: string;
  let team: { id: string; token: string };
  let sub0: string;
  let sub1: string;
  let original: string;
  beforeAll(async () => {
    h = await openHarness(driver);
    s = await createCompetition(h);
    team = await registerTeam(h, s, 'Relabelled');
    sub0 = await submitAndScore(h, s, team.token, await uploadGood(h, s, team.token, 0));
    sub1 = await submitAndScore(h, s, team.token, await uploadGood(h, s, team.token, 1));
    original = await readFile(join(h.dataset.dir, 'test_labels.csv'), 'utf8');
  });
  afterAll(() => h?.close());

  const put = (body: string, headers: Record<string, string> = { ...HOST, 'Content-Type': 'text/csv' }) =>
    call(h, 'PUT', `/api/competitions/${s}/labels`, { headers, body });
  /** The labels file with the target of each row replaced by `relabel(id, target)`. */
  const edited = (relabel: (id: string, target: number) => number | string) => {
    const [header, ...rows] = original.trim().split('\n');
    return `${[header, ...rows.map((r) => r.split(',')).map(([id, p, t]) => `${id},${p},${relabel(id, Number(t))}`)].join('\n')}\n`;
  };

  it('refuses other IDs, paths or out-of-range targets with 422 naming the lines; nothing changes', async () => {
    const before = await h.database.db.select().from(testItems).orderBy(testItems.itemId);
    const ids = [...h.dataset.labels.keys()];
    const bad = [
      [edited((id, t) => (id === ids[2] ? 4 : t)), /line 4: target "4" is not a class in \[0, 4\)/],
      [edited((id, t) => (id === ids[0] ? -1 : t)), /line 2: target "-1"/],
      [
        original.replace(ids[1], 'sbitem-other-q7'),
        /line 3: ID "sbitem-other-q7" is not in test.csv.*1 ID\(s\) of test.csv missing/,
      ],
      [original.replace(/\n[^\n]+\n?$/, '\n'), /ID\(s\) of test.csv missing/],
      [`${original}${original.trim().split('\n')[1]}\n`, /again \(first on line 2\)/],
      ['ID,target\nx,1\n', /line 1: header must be ID,image_path,target/],
    ] as const;
    for (const [body, message] of bad)
      expect(expectError(await put(body), 422, 'invalid_data')).toMatch(message);
    expect(await h.database.db.select().from(testItems).orderBy(testItems.itemId)).toEqual(before);
    expectError(
      await put(original, { ...HOST, 'Content-Type': 'application/json' }),
      415,
      'unsupported_media_type',
    );
    expectError(
      await call(h, 'PUT', '/api/competitions/no-such-competition/labels', {
        headers: { ...HOST, 'Content-Type': 'text/csv' },
        body: original,
      }),
      404,
      'not_found',
    );
    expectError(await put(original, { ...bearer(team.token), 'Content-Type': 'text/csv' }), 403, 'forbidden');
  });

  it('rescores from output.csv alone (bundles and images gone): hand-computed scores, no job, board version bumped', async () => {
    const [c] = await h.database.db.select().from(competitions).where(eq(competitions.slug, s));
    const items = await h.database.db.select().from(testItems).where(eq(testItems.competitionId, c.id));
    const before = await h.database.db.select().from(submissions).where(eq(submissions.competitionId, c.id));
    // Nothing could be inferred now: the test images and every bundle blob are gone.
    await rm(c.datasetDir, { recursive: true, force: true });
    await rm(join(h.root, 'blobs', 'bundles'), { recursive: true, force: true });
    await rm(join(h.root, 'blobs', 'files'), { recursive: true, force: true });

    // Every item labelled 1 becomes 0: the favour-0 model now gets classes 0 and 1 right, the favour-1 model none.
    const relabel = (label: number) => (label === 1 ? 0 : label);
    const expected = (favour: number, split: 'public' | 'private') => {
      const half = items.filter((i) => i.split === split);
      return { correct: half.filter((i) => relabel(i.label) === favour).length, total: half.length };
    };
    const multipart = new FormData();
    multipart.append(
      'labels',
      new Blob([edited((_, t) => relabel(t))], { type: 'text/csv' }),
      'test_labels.csv',
    );
    const reply = await call(h, 'PUT', `/api/competitions/${s}/labels`, { headers: HOST, body: multipart });
    const result = parse(labelsResponse, reply);
    expect(result).toMatchObject({ rescored: 2, changed: 2 });
    expect(result.boardVersion).toBeGreaterThan(c.boardVersion);
    const pub0 = expected(0, 'public');
    expect(result.teams).toEqual([
      expect.objectContaining({
        team: 'Relabelled',
        public: { before: expect.any(Number), after: pub0.correct / pub0.total },
      }),
    ]);

    const after = await h.database.db.select().from(submissions).where(eq(submissions.competitionId, c.id));
    for (const [id, favour] of [
      [sub0, 0],
      [sub1, 1],
    ] as const) {
      const row = after.find((r) => r.id === id)!;
      const old = before.find((r) => r.id === id)!;
      expect([row.publicCorrect, row.publicTotal]).toEqual(Object.values(expected(favour, 'public')));
      expect([row.privateCorrect, row.privateTotal]).toEqual(Object.values(expected(favour, 'private')));
      expect(row.previousScores).toMatchObject({
        public: { correct: old.publicCorrect },
        private: { correct: old.privateCorrect },
      });
      // Not scored again: same attempt, start, status and output; no new submission or job.
      expect([row.attempt, row.startedAt, row.status, row.outputKey, row.jobId]).toEqual([
        old.attempt,
        old.startedAt,
        'scored',
        old.outputKey,
        old.jobId,
      ]);
    }
    expect(after).toHaveLength(before.length);
    const view = parse(
      submissionResponse,
      await call(h, 'GET', `/api/submissions/${sub0}`, { headers: bearer(team.token) }),
    );
    expect(view.submission.previousScores?.public?.correct).toBe(
      before.find((r) => r.id === sub0)?.publicCorrect,
    );
    // The team page shows old → new.
    const page = await call(h, 'GET', `/c/${s}/team`, { headers: { Cookie: `sb_session=${team.token}` } });
    const oldAcc = (before.find((r) => r.id === sub0)?.publicAccuracy ?? 0).toFixed(4);
    expect(page.text).toContain(`<del>${oldAcc}</del> → ${(pub0.correct / pub0.total).toFixed(4)}`);
  });

  it('refuses while a submission is being scored (409); nothing changes', async () => {
    const [c] = await h.database.db.select().from(competitions).where(eq(competitions.slug, s));
    await h.database.db.update(submissions).set({ status: 'running' }).where(eq(submissions.id, sub1));
    try {
      expect(expectError(await put(original), 409, 'conflict')).toMatch(/being scored/);
      const [same] = await h.database.db.select().from(competitions).where(eq(competitions.id, c.id));
      expect(same.boardVersion).toBe(c.boardVersion);
    } finally {
      await h.database.db.update(submissions).set({ status: 'scored' }).where(eq(submissions.id, sub1));
    }
  });
});
