// Route tests, error paths of requests: malformed JSON, unknown fields, wrong content types, unknown things,
// bad datasets and taken names. Each gets a clear 4xx, changes nothing, and the service keeps serving.
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers } from '../helpers/db.js';
import { bearer, goodBundle, type Harness, HOST, zip } from './fixtures.js';
import { call, type ErrorSuite, expectError, openErrorSuite, poster, trigger, upload } from './flow.js';
import { expectNothingChanges } from './state.js';

describe.each(drivers())('API request errors over %s', (driver) => {
  let h: Harness;
  let s: string;
  let team: ErrorSuite['team'];
  beforeAll(async () => {
    ({ h, s, team } = await openErrorSuite(driver));
  });
  afterAll(() => h?.close());
  expectNothingChanges(() => h);

  const post = poster(() => h);

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
});
