// Route tests, happy paths: the whole competition flow over the API, scored by the real scorer.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleResponse } from '../../core/api/bundles.js';
import { competitionListResponse, competitionResponse } from '../../core/api/competitions.js';
import { leaderboardResponse } from '../../core/api/leaderboard.js';
import { submissionListResponse, submissionResponse, triggerResponse } from '../../core/api/submissions.js';
import { drivers } from '../helpers/db.js';
import { bearer, CLASSES, goodBundle, type Harness, HOST, openHarness, zipDir } from './fixtures.js';
import {
  call,
  createCompetition,
  parse,
  registerTeam,
  slug,
  submitAndScore,
  trigger,
  upload,
  uploadGood,
} from './flow.js';

/** The OpenAPI document's parts these tests read. */
type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> };
        responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
        'x-access'?: string;
      }
    >
  >;
};

describe.each(drivers())('API happy paths over %s', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(driver);
  });
  afterAll(() => h?.close());

  it('answers /healthz with a database check', async () => {
    const r = await call(h, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', db: 'ok' });
  });

  it('creates competitions from a server folder and from an uploaded zip, with the same dataset hash', async () => {
    const s = await createCompetition(h, { dailyLimit: 4, finals: 1 });
    const details = await call(h, 'GET', `/api/competitions/${s}`);
    expect(details.status).toBe(200);
    const c = parse(competitionResponse, details).competition;
    expect(c).toMatchObject({
      slug: s,
      classes: CLASSES,
      phase: 'open',
      dailyLimit: 4,
      finals: 1,
      publicFraction: 0.5,
    });
    expect(c.testItems.public + c.testItems.private).toBe(h.dataset.ids.length);
    expect(Object.keys(c).sort()).not.toContain('datasetDir');

    const form = new FormData();
    const s2 = slug('zip');
    form.set('slug', s2);
    form.set('title', 'Uploaded');
    form.set('endsAt', '2030-04-01T00:00:00Z');
    form.set('dailyLimit', '3');
    form.set('dataset', new Blob([await zipDir(h.dataset.dir, 'my-dataset')]), 'dataset.zip');
    const created = await call(h, 'POST', '/api/competitions', { headers: HOST, body: form });
    expect(created.status, created.text).toBe(201);
    const c2 = parse(competitionResponse, created).competition;
    expect(c2).toMatchObject({ slug: s2, classes: CLASSES, dailyLimit: 3 });
    expect(c2.datasetSha256).toBe(c.datasetSha256);

    const list = await call(h, 'GET', '/api/competitions');
    const slugs = parse(competitionListResponse, list).competitions.map((x) => x.slug);
    expect(slugs).toEqual(expect.arrayContaining([s, s2]));
  });

  it('uploads bundles raw, chunked and multipart; the same bytes return the same bundle', async () => {
    const s = await createCompetition(h);
    const team = await registerTeam(h, s);
    expect(team.token).toMatch(/^sb_/);
    const bytes = await goodBundle(0);
    const first = await upload(h, s, team.token, bytes);
    expect(first.status, first.text).toBe(201);
    const { bundle } = parse(bundleResponse, first);
    expect(bundle.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bundle).toMatchObject({ sizeBytes: bytes.length, name: 'constant-0' });
    expect(await h.blobs.exists(`bundles/${bundle.sha256}.zip`)).toBe(true);

    const again = await upload(h, s, team.token, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, bundle: { id: bundle.id } });

    const form = new FormData();
    form.set('bundle', new Blob([bytes]), 'bundle.zip');
    const viaForm = await call(h, 'POST', `/api/competitions/${s}/bundles`, {
      headers: bearer(team.token),
      body: form,
    });
    expect(viaForm.status, viaForm.text).toBe(200);
    expect(parse(bundleResponse, viaForm).bundle.id).toBe(bundle.id);

    const other = await goodBundle(2);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < other.length; i += 97) controller.enqueue(other.subarray(i, i + 97));
        controller.close();
      },
    });
    const res = await upload(h, s, team.token, chunked);
    expect(res.status).toBe(201);
    expect(bundleResponse.parse(res.body).bundle.sha256).toBe(
      createHash('sha256').update(other).digest('hex'),
    );
    expect(await h.leftovers()).toEqual([]);
  });

  it('triggers (202, idempotent), scores, shows status, output.csv, finals and leaderboards', async () => {
    const s = await createCompetition(h, { finals: 1 });
    const a = await registerTeam(h, s, 'Alpha');
    const b = await registerTeam(h, s, 'Beta');
    const bundleA = await uploadGood(h, s, a.token, 0);
    const bundleB = await uploadGood(h, s, b.token, CLASSES - 1);

    const first = await trigger(h, s, a.token, bundleA, 'retry-me-1');
    expect(first.status, first.text).toBe(202);
    const sub = parse(triggerResponse, first).submission;
    expect(sub.status).toBe('queued');
    expect(first.res.headers.get('location')).toBe(`/api/submissions/${sub.id}`);
    const retried = await trigger(h, s, a.token, bundleA, 'retry-me-1');
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ created: false, submission: { id: sub.id } });

    expect((await h.score(sub.id)).status).toBe('scored');
    const subB = await submitAndScore(h, s, b.token, bundleB);

    const mine = await call(h, 'GET', `/api/competitions/${s}/submissions`, { headers: bearer(a.token) });
    expect(parse(submissionListResponse, mine).submissions.map((x) => x.id)).toEqual([sub.id]);

    const status = await call(h, 'GET', `/api/submissions/${sub.id}`, { headers: bearer(a.token) });
    const seen = parse(submissionResponse, status).submission;
    expect(seen).toMatchObject({ status: 'scored', private: null, privateHidden: true, hasOutput: true });
    const host = parse(
      submissionResponse,
      await call(h, 'GET', `/api/submissions/${sub.id}`, { headers: HOST }),
    );
    expect((seen.public?.total ?? 0) + (host.submission.private?.total ?? 0)).toBe(h.dataset.ids.length);
    expect(seen.public?.accuracy).toBeGreaterThan(0);

    const csv = await call(h, 'GET', `/api/submissions/${sub.id}/output.csv`, { headers: bearer(a.token) });
    expect(csv.status).toBe(200);
    expect(csv.res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = csv.text.trim().split('\n');
    expect(header).toBe('ID,image_path,target');
    expect(rows.map((r) => r.split(',')[0])).toEqual(h.dataset.ids);
    expect(new Set(rows.map((r) => r.split(',')[2]))).toEqual(new Set(['0']));

    const final = await call(h, 'PUT', `/api/submissions/${sub.id}/final`, {
      headers: bearer(a.token),
      json: { selected: true },
    });
    expect(final.status, final.text).toBe(200);
    expect(parse(submissionResponse, final).submission.selectedFinal).toBe(true);

    const board = await call(h, 'GET', `/api/competitions/${s}/leaderboard`);
    expect(board.status).toBe(200);
    const rows0 = parse(leaderboardResponse, board).rows;
    expect(rows0.map((r) => [r.rank, r.team])).toEqual([
      [1, 'Alpha'],
      [2, 'Beta'],
    ]);
    expect(rows0[0]).toMatchObject({ members: ['ana', 'bo'], submissions: 1 });
    expect(String(rows0[0].accuracy).split('.')[1]?.length ?? 0).toBeLessThanOrEqual(4);

    const csvBoard = await call(h, 'GET', `/api/competitions/${s}/leaderboard`, {
      headers: { Accept: 'text/csv' },
    });
    const lines = csvBoard.text.trim().split('\n');
    expect(lines[0]).toBe('rank,team,members,accuracy,submissions,last_submission_at');
    expect(lines[1]).toMatch(new RegExp(`^1,Alpha,ana; bo,${rows0[0].accuracy.toFixed(4)},1,2030-`));

    const hostPrivate = await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=private`, {
      headers: HOST,
    });
    expect(hostPrivate.status).toBe(200);
    expect(parse(leaderboardResponse, hostPrivate).split).toBe('private');

    h.clock.advance(11 * 86_400_000);
    const after = await call(h, 'GET', `/api/competitions/${s}/leaderboard?split=private`);
    expect(after.status).toBe(200);
    expect(parse(leaderboardResponse, after).rows.map((r) => r.team)).toEqual(['Alpha', 'Beta']);
    const revealed = await call(h, 'GET', `/api/submissions/${subB}`, { headers: bearer(b.token) });
    expect(parse(submissionResponse, revealed).submission.private).not.toBeNull();
  });

  it('serves an OpenAPI document with every route of the design, and a reference page', async () => {
    const doc = (await call(h, 'GET', '/openapi.json')).body as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'get /healthz',
        'post /api/competitions',
        'get /api/competitions',
        'get /api/competitions/{slug}',
        'post /api/competitions/{slug}/close',
        'post /api/competitions/{slug}/teams',
        'post /api/competitions/{slug}/bundles',
        'post /api/competitions/{slug}/submissions',
        'get /api/competitions/{slug}/submissions',
        'get /api/submissions/{id}',
        'get /api/submissions/{id}/output.csv',
        'put /api/submissions/{id}/final',
        'get /api/competitions/{slug}/leaderboard',
      ]),
    );
    const create = doc.paths['/api/competitions'].post;
    expect(create.requestBody?.content['application/json'].schema.additionalProperties).toBe(false);
    expect(create.responses['401'].content?.['application/json'].schema.$ref).toBe(
      '#/components/schemas/Error',
    );
    // Every API route documents its error responses (the one Error schema) and who may call it.
    for (const [p, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/'))) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.responses['401']?.content?.['application/json'].schema.$ref, `${m} ${p}`).toBe(
          '#/components/schemas/Error',
        );
        expect(op['x-access'], `${m} ${p}`).toMatch(/^(any|host|team|team-or-host|any-or-host)$/);
      }
    }
    const page = await call(h, 'GET', '/docs');
    expect(page.res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const r of routes) expect(page.text).toContain(r.split(' ')[1]);
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i);
  });
});
