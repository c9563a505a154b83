// Route tests, error paths: every bad input gets a clear 4xx, changes nothing, and the service keeps serving.
import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundles, competitions, submissions, teams, testItems } from '../../functions/db/schema.js';
import { drivers } from '../helpers/db.js';
import {
  bearer,
  CLASSES,
  constantModel,
  goodBundle,
  type Harness,
  HOST,
  manifest,
  openHarness,
  zip,
} from './fixtures.js';
import {
  call,
  createCompetition,
  expectError,
  type Reply,
  registerTeam,
  submitAndScore,
  trigger,
  upload,
  uploadGood,
} from './flow.js';

describe.each(drivers())('API error paths over %s', (driver) => {
  let h: Harness;
  let s: string;
  let team: { id: string; token: string };
  let bundleId: string;
  let before: string;

  /** Everything a refused request must leave as it was: rows, blobs, upload and dataset folders. */
  async function snapshot(): Promise<string> {
    const db = h.database.db;
    const counts = await Promise.all(
      [competitions, testItems, teams, bundles, submissions].map(
        async (t) => (await db.select({ n: count() }).from(t))[0].n,
      ),
    );
    const list = async (dir: string) => (await readdir(dir, { recursive: true }).catch(() => [])).sort();
    return JSON.stringify({
      counts,
      blobs: await list(join(h.root, 'blobs')),
      work: await h.leftovers(),
      datasets: await list(h.config.datasetsDir),
    });
  }

  beforeAll(async () => {
    h = await openHarness(driver, { maxBundleBytes: 64 * 1024, maxDatasetBytes: 256 * 1024 });
    s = await createCompetition(h, { dailyLimit: 2, finals: 1 });
    team = await registerTeam(h, s, 'Errors');
    bundleId = await uploadGood(h, s, team.token, 0);
  });
  afterAll(() => h?.close());
  beforeEach(async () => {
    before = await snapshot();
  });
  afterEach(async () => {
    expect(await snapshot()).toBe(before);
    expect((await call(h, 'GET', '/healthz')).status).toBe(200);
  });

  const post = (
    path: string,
    body: string,
    type = 'application/json',
    headers: Record<string, string> = {},
  ) => call(h, 'POST', path, { body, headers: { 'Content-Type': type, ...headers } });

  it('400 for malformed JSON, naming the problem', async () => {
    expect(
      expectError(await post(`/api/competitions/${s}/teams`, '{"name": "x",'), 400, 'invalid_argument'),
    ).toMatch(/malformed JSON/);
    expectError(await post('/api/competitions', '[1,', 'application/json', HOST), 400, 'invalid_argument');
    expectError(
      await post(`/api/competitions/${s}/submissions`, 'nope', 'application/json', bearer(team.token)),
      400,
      'invalid_argument',
    );
    expectError(await post(`/api/competitions/${s}/teams`, ''), 400, 'invalid_argument');
  });

  it('400 for unknown or invalid fields (strict schemas), with the field named', async () => {
    const extra = await call(h, 'POST', `/api/competitions/${s}/teams`, {
      json: { name: 'x', members: ['a'], admin: true },
    });
    expect(expectError(extra, 400, 'invalid_argument')).toMatch(/admin/);
    const classes = await call(h, 'POST', '/api/competitions', {
      headers: HOST,
      json: {
        slug: 'x-1',
        title: 't',
        datasetPath: h.dataset.dir,
        endsAt: '2030-05-01T00:00:00Z',
        classes: 9,
      },
    });
    expect(expectError(classes, 400, 'invalid_argument')).toMatch(/classes/);
    const badDate = await call(h, 'POST', '/api/competitions', {
      headers: HOST,
      json: { slug: 'x-2', title: 't', datasetPath: h.dataset.dir, endsAt: 'next friday' },
    });
    expect(expectError(badDate, 400, 'invalid_argument')).toMatch(/endsAt/);
    const backwards = await call(h, 'POST', '/api/competitions', {
      headers: HOST,
      json: { slug: 'x-3', title: 't', datasetPath: h.dataset.dir, endsAt: '2020-01-01T00:00:00Z' },
    });
    expectError(backwards, 400, 'invalid_argument');
    expectError(
      await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=both`),
      400,
      'invalid_argument',
    );
    expectError(await call(h, 'GET', `/api/competitions/${s}/leaderboard?sort=asc`), 400, 'invalid_argument');
    expectError(
      await call(h, 'GET', '/api/submissions/not-a-uuid', { headers: bearer(team.token) }),
      400,
      'invalid_argument',
    );
    expectError(await call(h, 'GET', '/api/competitions/Bad_Slug!'), 400, 'invalid_argument');
  });

  it('415 for the wrong content type', async () => {
    expectError(
      await post(`/api/competitions/${s}/teams`, 'name=x', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    );
    expectError(
      await post(`/api/competitions/${s}/teams`, '{}', 'text/plain'),
      415,
      'unsupported_media_type',
    );
    const bundle = await goodBundle(1);
    expectError(await upload(h, s, team.token, bundle, 'application/json'), 415, 'unsupported_media_type');
    expectError(await upload(h, s, team.token, bundle, 'image/png'), 415, 'unsupported_media_type');
    expectError(await post('/api/competitions', 'x', 'text/csv', HOST), 415, 'unsupported_media_type');
  });

  it('413 for oversize bundles, declared or chunked, JSON bodies and dataset archives; partial files removed', async () => {
    const big = new Uint8Array(64 * 1024 + 1);
    expectError(await upload(h, s, team.token, big), 413, 'payload_too_large');
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new Uint8Array(4096));
        controller.close();
      },
    });
    const res = await h.app.request(`/api/competitions/${s}/bundles`, {
      method: 'POST',
      body: chunked,
      headers: { ...bearer(team.token), 'Content-Type': 'application/zip' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    const long = JSON.stringify({ name: 'x', members: Array.from({ length: 20 }, () => 'm'.repeat(4000)) });
    expectError(await post(`/api/competitions/${s}/teams`, long), 413, 'payload_too_large');
    const form = new FormData();
    form.set('slug', 'too-big');
    form.set('title', 't');
    form.set('endsAt', '2030-05-01T00:00:00Z');
    form.set('dataset', new Blob([new Uint8Array(300 * 1024)]), 'd.zip');
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      413,
      'payload_too_large',
    );
  });

  it('400 for truncated uploads (short of Content-Length, or the stream breaking)', async () => {
    const bytes = await goodBundle(1);
    const short = await call(h, 'POST', `/api/competitions/${s}/bundles`, {
      headers: {
        ...bearer(team.token),
        'Content-Type': 'application/zip',
        'Content-Length': String(bytes.length + 500),
      },
      body: bytes,
    });
    expect(expectError(short, 400, 'invalid_argument')).toMatch(/truncated/);
    let sent = 0;
    const breaking = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2) return controller.error(new Error('connection reset'));
        controller.enqueue(bytes.subarray(sent * 100, sent * 100 + 100));
        sent++;
      },
    });
    const res = await h.app.request(`/api/competitions/${s}/bundles`, {
      method: 'POST',
      body: breaking,
      headers: { ...bearer(team.token), 'Content-Type': 'application/zip' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(400);
    const form = `--b1\r\nContent-Disposition: form-data; name="bundle"; filename="b.zip"\r\n\r\n${'x'.repeat(100)}`;
    expectError(
      await post(
        `/api/competitions/${s}/bundles`,
        form,
        'multipart/form-data; boundary=b1',
        bearer(team.token),
      ),
      400,
      'invalid_argument',
    );
  });

  /** Upload `files` zipped; expect 422 with `code` and a message matching `why`. */
  async function refused(
    files: Record<string, string | Uint8Array>,
    code: string,
    why: RegExp,
  ): Promise<Reply> {
    const reply = await upload(h, s, team.token, await zip(files));
    expect(expectError(reply, 422, code)).toMatch(why);
    return reply;
  }

  it('422 for invalid manifests, models and class counts, with the reason', async () => {
    const model = constantModel(CLASSES, 0);
    await refused({ 'model.onnx': model }, 'invalid_manifest', /manifest\.json/);
    await refused(
      { 'manifest.json': '{"version":1', 'model.onnx': model },
      'invalid_manifest',
      /JSON|manifest/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest(CLASSES, { threads: 8 })), 'model.onnx': model },
      'invalid_manifest',
      /threads/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'other.onnx': model },
      'invalid_manifest',
      /model\.onnx/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'model.onnx': 'not a model' },
      'invalid_model',
      /model\.onnx/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest()), 'model.onnx': constantModel(3, 0) },
      'invalid_model',
      /model\.onnx/,
    );
    await refused(
      { 'manifest.json': JSON.stringify(manifest(7)), 'model.onnx': constantModel(7, 0) },
      'invalid_bundle',
      /7 classes.*has 4/,
    );
    expectError(
      await upload(h, s, team.token, new TextEncoder().encode('PK not really a zip')),
      422,
      'unsafe_archive',
    );
  });

  it('422 for a dataset that is not in the competition layout, 409 for a taken slug or team name', async () => {
    const json = (over: Record<string, unknown>) =>
      call(h, 'POST', '/api/competitions', {
        headers: HOST,
        json: {
          slug: 'ds-1',
          title: 't',
          datasetPath: h.dataset.dir,
          endsAt: '2030-05-01T00:00:00Z',
          ...over,
        },
      });
    expectError(await json({ datasetPath: join(h.root, 'nowhere') }), 422, 'invalid_data');
    const broken = join(h.root, 'broken');
    await cp(h.dataset.dir, broken, { recursive: true });
    await writeFile(join(broken, 'test_labels.csv'), 'ID,image_path,target\nsbitem-x,x.png,1\n');
    expect(expectError(await json({ datasetPath: broken }), 422, 'invalid_data')).toMatch(/test_labels\.csv/);
    await rm(broken, { recursive: true });
    expectError(await json({ slug: s }), 409, 'conflict');
    const form = new FormData();
    for (const [k, v] of Object.entries({ slug: 'ds-2', title: 't', endsAt: '2030-05-01T00:00:00Z' }))
      form.set(k, v);
    form.set('dataset', new Blob([await zip({ 'readme.txt': 'no layout here' })]), 'd.zip');
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      422,
      'invalid_data',
    );
    form.set('dailyLimit', 'many');
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      400,
      'invalid_argument',
    );
    const dup = await call(h, 'POST', `/api/competitions/${s}/teams`, {
      json: { name: 'Errors', members: ['x'] },
    });
    expectError(dup, 409, 'conflict');
  });

  it('404 for unknown routes, competitions, bundles and submissions', async () => {
    expectError(await call(h, 'GET', '/api/nothing'), 404, 'not_found');
    expectError(await call(h, 'DELETE', `/api/competitions/${s}`), 404, 'not_found');
    expectError(await call(h, 'GET', '/api/competitions/no-such-thing'), 404, 'not_found');
    const missing = '00000000-0000-4000-8000-000000000000';
    expectError(await trigger(h, s, team.token, missing), 404, 'not_found');
    expectError(await call(h, 'GET', `/api/submissions/${missing}`, { headers: HOST }), 404, 'not_found');
  });

  it('409 for a reused Idempotency-Key on another bundle; 429 over the daily limit; 409 finals beyond N', async () => {
    const other = await uploadGood(h, s, team.token, 1);
    before = await snapshot();
    const first = await submitAndScore(h, s, team.token, bundleId);
    const second = await submitAndScore(h, s, team.token, other);
    before = await snapshot();
    expectError(await trigger(h, s, team.token, bundleId), 429, 'limit_exceeded');
    const keyed = await call(h, 'GET', `/api/competitions/${s}/submissions`, { headers: bearer(team.token) });
    expect(keyed.status).toBe(200);
    const select = (id: string, selected: boolean) =>
      call(h, 'PUT', `/api/submissions/${id}/final`, { headers: bearer(team.token), json: { selected } });
    expect((await select(first, true)).status).toBe(200);
    before = await snapshot();
    expectError(await select(second, true), 409, 'conflict');
    expectError(
      await call(h, 'PUT', `/api/submissions/${second}/final`, {
        headers: bearer(team.token),
        json: { selected: 'yes' },
      }),
      400,
      'invalid_argument',
    );
  });

  it('409 competition_closed for triggers and final changes after the end', async () => {
    const now = h.clock.now().getTime();
    const closing = await createCompetition(h, { endsAt: new Date(now + 3_600_000).toISOString() });
    const t = await registerTeam(h, closing);
    const b = await uploadGood(h, closing, t.token, 0);
    const keyed = await trigger(h, closing, t.token, b, 'k-1');
    expect(keyed.status).toBe(202);
    const other = await uploadGood(h, closing, t.token, 1);
    expectError(await trigger(h, closing, t.token, other, 'k-1'), 409, 'conflict');
    h.clock.advance(2 * 3_600_000);
    before = await snapshot();
    expectError(await trigger(h, closing, t.token, b), 409, 'competition_closed');
    const late = await call(h, 'POST', `/api/competitions/${closing}/teams`, {
      json: { name: 'Late', members: ['z'] },
    });
    expectError(late, 409, 'competition_closed');
  });
});
