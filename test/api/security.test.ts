// Route tests, security: tokens and kinds, other teams' resources, hidden private scores, hostile archives,
// no details on 500, and a crawl proving that no response ever carries a test label or an item's split.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log } from '../../core/log.js';
import { bundles } from '../../functions/db/schema.js';
import { createApp } from '../../functions/http/app.js';
import { rawZip } from '../bundle/rawzip.js';
import { drivers } from '../helpers/db.js';
import { bearer, goodBundle, type Harness, HOST, ID_PREFIX, openHarness, zipDir } from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  type Reply,
  recorder,
  registerTeam,
  submitAndScore,
  trigger,
  upload,
  uploadGood,
} from './flow.js';

describe.each(drivers())('API security over %s', (driver) => {
  let h: Harness;
  let s: string;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let bundleA: string;
  let subA: string;
  beforeAll(async () => {
    h = await openHarness(driver);
    s = await createCompetition(h);
    a = await registerTeam(h, s, 'A');
    b = await registerTeam(h, s, 'B');
    bundleA = await uploadGood(h, s, a.token, 0);
    subA = await submitAndScore(h, s, a.token, bundleA);
  });
  afterAll(() => h?.close());

  it('401 without a token, with a malformed header, or with an unknown token — even on public routes', async () => {
    expectError(await call(h, 'POST', '/api/competitions', { json: {} }), 401, 'unauthenticated');
    expectError(await upload(h, s, '', await goodBundle(1)), 401, 'unauthenticated');
    expectError(await call(h, 'GET', `/api/competitions/${s}/submissions`), 401, 'unauthenticated');
    expectError(await call(h, 'GET', `/api/submissions/${subA}`), 401, 'unauthenticated');
    expectError(await call(h, 'GET', `/api/submissions/${subA}/output.csv`), 401, 'unauthenticated');
    const basic = { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' };
    expectError(await call(h, 'GET', '/api/competitions', { headers: basic }), 401, 'unauthenticated');
    expectError(
      await call(h, 'GET', '/api/competitions', { headers: bearer('sb_forged-token-0123456789') }),
      401,
      'unauthenticated',
    );
    expectError(
      await call(h, 'GET', `/api/submissions/${subA}`, { headers: bearer(`${a.token}x`) }),
      401,
      'unauthenticated',
    );
  });

  it('403 for a token of the wrong kind or of another competition', async () => {
    const create = { slug: 'nope-1', title: 't', datasetPath: h.dataset.dir, endsAt: '2031-01-01T00:00:00Z' };
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: bearer(a.token), json: create }),
      403,
      'forbidden',
    );
    expectError(await upload(h, s, HOST.Authorization.slice(7), await goodBundle(1)), 403, 'forbidden');
    expectError(await trigger(h, s, HOST.Authorization.slice(7), bundleA), 403, 'forbidden');
    expectError(
      await call(h, 'GET', `/api/competitions/${s}/submissions`, { headers: HOST }),
      403,
      'forbidden',
    );
    expectError(
      await call(h, 'PUT', `/api/submissions/${subA}/final`, { headers: HOST, json: { selected: true } }),
      403,
      'forbidden',
    );
    const s2 = await createCompetition(h);
    const stranger = await registerTeam(h, s2, 'Stranger');
    expectError(await upload(h, s, stranger.token, await goodBundle(1)), 403, 'forbidden');
    expectError(await trigger(h, s, stranger.token, bundleA), 403, 'forbidden');
    expectError(
      await call(h, 'GET', `/api/competitions/${s}/submissions`, { headers: bearer(stranger.token) }),
      403,
      'forbidden',
    );
  });

  it("answers another team's submission exactly like a missing one (404), and cannot use its bundle", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/submissions/ID'],
      ['GET', '/api/submissions/ID/output.csv'],
      ['PUT', '/api/submissions/ID/final', { selected: true }],
    ];
    for (const [method, path, json] of routes) {
      const theirs = await call(h, method, path.replace('ID', subA), { headers: bearer(b.token), json });
      const none = await call(h, method, path.replace('ID', missing), { headers: bearer(b.token), json });
      const m1 = expectError(theirs, 404, 'not_found');
      const m2 = expectError(none, 404, 'not_found');
      expect(m1.replace(subA, 'ID')).toBe(m2.replace(missing, 'ID'));
    }
    expectError(await trigger(h, s, b.token, bundleA), 404, 'not_found');
    const host = await call(h, 'GET', `/api/submissions/${subA}`, { headers: HOST });
    expect(host.status).toBe(200);
  });

  it('keeps the private board closed to everyone but the host until the end', async () => {
    const path = `/api/competitions/${s}/leaderboard?split=private`;
    expectError(await call(h, 'GET', path), 403, 'forbidden');
    expectError(await call(h, 'GET', path, { headers: bearer(a.token) }), 403, 'forbidden');
    expectError(
      await call(h, 'GET', path, { headers: { ...bearer(a.token), Accept: 'text/csv' } }),
      403,
      'forbidden',
    );
    expect((await call(h, 'GET', path, { headers: HOST })).status).toBe(200);
  });

  it('refuses hostile archives (traversal, symlinks) for bundles and datasets without writing outside', async () => {
    const traversal = rawZip([
      { name: 'manifest.json', data: '{}' },
      { name: '../../escaped.txt', data: 'pwned' },
    ]);
    expectError(await upload(h, s, a.token, traversal), 422, 'unsafe_archive');
    const link = rawZip([{ name: 'model.onnx', data: '/etc/passwd', unixMode: 0o120777 }]);
    expectError(await upload(h, s, a.token, link), 422, 'unsafe_archive');
    const form = new FormData();
    for (const [k, v] of Object.entries({ slug: 'hostile-1', title: 't', endsAt: '2031-01-01T00:00:00Z' }))
      form.set(k, v);
    form.set('dataset', new Blob([traversal]), 'd.zip');
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      422,
      'unsafe_archive',
    );
    await expect(readFile(join(h.config.workDir, '..', 'escaped.txt'))).rejects.toThrow();
    await expect(readFile(join(h.config.datasetsDir, '..', 'escaped.txt'))).rejects.toThrow();
    expect(await h.leftovers()).toEqual([]);
  });

  it('answers a server fault with a bare 500 (no stack, path or cause) and records nothing', async () => {
    const failing = {
      ...h.blobs,
      putFile: async () => Promise.reject(new Error(`EIO: disk full at ${h.root}/secret`)),
    };
    const app = createApp({
      services: h.ctx,
      blobs: failing,
      config: h.config,
      logger: { ...log, error: () => {} },
    });
    const rows = async () => (await h.database.db.select({ n: count() }).from(bundles))[0].n;
    const before = await rows();
    const res = await app.request(`/api/competitions/${s}/bundles`, {
      method: 'POST',
      body: await goodBundle(3),
      headers: { ...bearer(a.token), 'Content-Type': 'application/zip' },
    });
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'internal error', requestId: res.headers.get('x-request-id') },
    });
    expect(text).not.toMatch(/EIO|secret|disk|at /);
    expect(await rows()).toBe(before);
  });

  it('never sends a test label or an item split: crawl every route as everyone, before and after the end', async () => {
    const replies: NonNullable<typeof recorder.replies> = [];
    recorder.replies = replies;
    try {
      const s2 = await createCompetition(h, { finals: 1 });
      const form = new FormData();
      for (const [k, v] of Object.entries({ slug: 'crawl-zip', title: 't', endsAt: '2031-01-01T00:00:00Z' }))
        form.set(k, v);
      form.set('dataset', new Blob([await zipDir(h.dataset.dir)]), 'd.zip');
      expect((await call(h, 'POST', '/api/competitions', { headers: HOST, body: form })).status).toBe(201);
      const t = await registerTeam(h, s2, 'Crawler');
      const favour = 2;
      const sub = await submitAndScore(h, s2, t.token, await uploadGood(h, s2, t.token, favour));
      await call(h, 'PUT', `/api/submissions/${sub}/final`, {
        headers: bearer(t.token),
        json: { selected: true },
      });
      const who: Record<string, Record<string, string>> = {
        anonymous: {},
        team: bearer(t.token),
        host: HOST,
      };
      const reads = async () => {
        for (const headers of Object.values(who)) {
          for (const path of [
            '/healthz',
            '/openapi.json',
            '/docs',
            '/api/competitions',
            `/api/competitions/${s2}`,
            `/api/competitions/crawl-zip`,
            `/api/competitions/${s2}/submissions`,
            `/api/submissions/${sub}`,
            `/api/submissions/${sub}/output.csv`,
            `/api/competitions/${s2}/leaderboard`,
            `/api/competitions/${s2}/leaderboard?split=private`,
          ]) {
            await call(h, 'GET', path, { headers });
            await call(h, 'GET', path, { headers: { ...headers, Accept: 'text/csv' } });
          }
        }
      };
      await reads();
      h.clock.advance(30 * 86_400_000);
      await reads();
      checkNoLeaks(replies, favour);
    } finally {
      recorder.replies = undefined;
    }
  });

  /** The checks of the crawl: which bodies may name test items at all, and what they may say about them. */
  function checkNoLeaks(replies: (Reply & { path: string })[], favour: number) {
    expect(replies.length).toBeGreaterThan(60);
    const testCsvOrder = h.dataset.ids;
    let outputs = 0;
    for (const r of replies) {
      expect(r.res.headers.get('x-request-id'), r.path).toBeTruthy();
      expect(r.text, r.path).not.toContain(h.root); // no server paths (dataset folder, blobs, temp files)
      const isDoc = r.path === '/openapi.json' || r.path === '/docs'; // static text that describes the layout
      if (!isDoc) expect(r.text, r.path).not.toMatch(/test_labels|"label"|"target"|"imagePath"|"datasetDir"/);
      if (r.path.endsWith('/output.csv') && r.status === 200) {
        outputs++;
        // Predictions only: the constant model's class on every row, in test.csv order, no split column.
        const [header, ...rows] = r.text.trim().split('\n');
        expect(header).toBe('ID,image_path,target');
        expect(rows.map((row) => row.split(',')[0])).toEqual(testCsvOrder);
        expect(rows.every((row) => row.split(',')[2] === String(favour))).toBe(true);
        continue;
      }
      // Nothing else may even name a test item: no per-item label or split can ride along.
      expect(r.text, r.path).not.toContain(ID_PREFIX);
    }
    expect(outputs).toBeGreaterThanOrEqual(4);
  }
});
