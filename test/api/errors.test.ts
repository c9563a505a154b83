// Route tests, error paths of requests: malformed JSON, unknown fields, wrong content types, unknown things,
// bad datasets and taken names. Each gets a clear 4xx, changes nothing, and the service keeps serving.
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drivers } from '../helpers/db.js';
import { useErrorSuite } from './error-suite.js';
import { bearer, goodBundle, HOST, zip } from './fixtures.js';
import { call, expectError, trigger, upload } from './flow.js';

describe.each(drivers())('API request errors over %s', (driver) => {
  const api = useErrorSuite(driver);

  it('400 for malformed JSON, naming the problem', async () => {
    expect(
      expectError(
        await api.post(`/api/competitions/${api.s}/teams`, '{"name": "x",'),
        400,
        'invalid_argument',
      ),
    ).toMatch(/malformed JSON/);
    expectError(
      await api.post('/api/competitions', '[1,', 'application/json', HOST),
      400,
      'invalid_argument',
    );
    expectError(
      await api.post(
        `/api/competitions/${api.s}/submissions`,
        'nope',
        'application/json',
        bearer(api.team.token),
      ),
      400,
      'invalid_argument',
    );
    expectError(await api.post(`/api/competitions/${api.s}/teams`, ''), 400, 'invalid_argument');
  });

  it('400 for unknown or invalid fields (strict schemas), with the field named', async () => {
    const extra = await call(api.h, 'POST', `/api/competitions/${api.s}/teams`, {
      json: { name: 'x', members: ['a'], admin: true },
    });
    expect(expectError(extra, 400, 'invalid_argument')).toMatch(/admin/);
    const classes = await call(api.h, 'POST', '/api/competitions', {
      headers: HOST,
      json: {
        slug: 'x-1',
        title: 't',
        datasetPath: api.h.dataset.dir,
        endsAt: '2030-05-01T00:00:00Z',
        classes: 9,
      },
    });
    expect(expectError(classes, 400, 'invalid_argument')).toMatch(/classes/);
    const badDate = await call(api.h, 'POST', '/api/competitions', {
      headers: HOST,
      json: { slug: 'x-2', title: 't', datasetPath: api.h.dataset.dir, endsAt: 'next friday' },
    });
    expect(expectError(badDate, 400, 'invalid_argument')).toMatch(/endsAt/);
    const backwards = await call(api.h, 'POST', '/api/competitions', {
      headers: HOST,
      json: { slug: 'x-3', title: 't', datasetPath: api.h.dataset.dir, endsAt: '2020-01-01T00:00:00Z' },
    });
    expectError(backwards, 400, 'invalid_argument');
    expectError(
      await call(api.h, 'GET', `/api/competitions/${api.s}/leaderboard?split=both`),
      400,
      'invalid_argument',
    );
    expectError(
      await call(api.h, 'GET', `/api/competitions/${api.s}/leaderboard?sort=asc`),
      400,
      'invalid_argument',
    );
    expectError(
      await call(api.h, 'GET', '/api/submissions/not-a-uuid', { headers: bearer(api.team.token) }),
      400,
      'invalid_argument',
    );
    expectError(await call(api.h, 'GET', '/api/competitions/Bad_Slug!'), 400, 'invalid_argument');
  });

  it('415 for the wrong content type', async () => {
    expectError(
      await api.post(`/api/competitions/${api.s}/teams`, 'name=x', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    );
    expectError(
      await api.post(`/api/competitions/${api.s}/teams`, '{}', 'text/plain'),
      415,
      'unsupported_media_type',
    );
    const bundle = await goodBundle(1);
    expectError(
      await upload(api.h, api.s, api.team.token, bundle, 'application/json'),
      415,
      'unsupported_media_type',
    );
    expectError(
      await upload(api.h, api.s, api.team.token, bundle, 'image/png'),
      415,
      'unsupported_media_type',
    );
    expectError(await api.post('/api/competitions', 'x', 'text/csv', HOST), 415, 'unsupported_media_type');
  });

  it('422 for a dataset that is not in the competition layout, 409 for a taken slug or team name', async () => {
    const json = (over: Record<string, unknown>) =>
      call(api.h, 'POST', '/api/competitions', {
        headers: HOST,
        json: {
          slug: 'ds-1',
          title: 't',
          datasetPath: api.h.dataset.dir,
          endsAt: '2030-05-01T00:00:00Z',
          ...over,
        },
      });
    expectError(await json({ datasetPath: join(api.h.root, 'nowhere') }), 422, 'invalid_data');
    const broken = join(api.h.root, 'broken');
    await cp(api.h.dataset.dir, broken, { recursive: true });
    await writeFile(join(broken, 'test_labels.csv'), 'ID,image_path,target\nsbitem-x,x.png,1\n');
    expect(expectError(await json({ datasetPath: broken }), 422, 'invalid_data')).toMatch(/test_labels\.csv/);
    await rm(broken, { recursive: true });
    expectError(await json({ slug: api.s }), 409, 'conflict');
    const form = new FormData();
    for (const [k, v] of Object.entries({ slug: 'ds-2', title: 't', endsAt: '2030-05-01T00:00:00Z' }))
      form.set(k, v);
    form.set('dataset', new Blob([await zip({ 'readme.txt': 'no layout here' })]), 'd.zip');
    expectError(
      await call(api.h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      422,
      'invalid_data',
    );
    form.set('dailyLimit', 'many');
    expectError(
      await call(api.h, 'POST', '/api/competitions', { headers: HOST, body: form }),
      400,
      'invalid_argument',
    );
    const dup = await call(api.h, 'POST', `/api/competitions/${api.s}/teams`, {
      json: { name: 'Errors', members: ['x'] },
    });
    expectError(dup, 409, 'conflict');
  });

  it('404 for unknown routes, competitions, bundles and submissions', async () => {
    expectError(await call(api.h, 'GET', '/api/nothing'), 404, 'not_found');
    expectError(await call(api.h, 'DELETE', `/api/competitions/${api.s}`), 404, 'not_found');
    expectError(await call(api.h, 'GET', '/api/competitions/no-such-thing'), 404, 'not_found');
    const missing = '00000000-0000-4000-8000-000000000000';
    expectError(await trigger(api.h, api.s, api.team.token, missing), 404, 'not_found');
    expectError(await call(api.h, 'GET', `/api/submissions/${missing}`, { headers: HOST }), 404, 'not_found');
  });
});
