// Route tests of data for participants: `GET /api/competitions/:slug/data` and `/data/:file` (happy / error / security).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competitionResponse } from '../../core/api/competitions.js';
import { drivers } from '../helpers/db.js';
import { dataList, download, zipEntries } from './data-helpers.js';
import { type Harness, HOST, openHarness, zipDir } from './fixtures.js';
import { call, createCompetition, expectError, parse, slug } from './flow.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const lines = (b: Buffer) => b.toString('utf8').trim().split('\n');

describe.each(drivers())('data for participants over %s', (driver) => {
  let h: Harness;
  let s: string;
  beforeAll(async () => {
    h = await openHarness(driver);
    s = await createCompetition(h);
  });
  afterAll(() => h?.close());

  it('happy: train.zip, test.zip and sample_submission.csv, each with its size, sha256 and path', async () => {
    const list = await dataList(h, s);
    expect(list.withheld).toEqual([]);
    expect(list.files.map((f) => f.name)).toEqual(['train.zip', 'test.zip', 'sample_submission.csv']);
    for (const f of list.files) {
      expect(f.url).toBe(`/api/competitions/${s}/data/${f.name}`);
      const { res, bytes } = await download(h, f.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(f.bytes));
      expect({ bytes: bytes.length, sha256: sha256(bytes) }).toEqual({ bytes: f.bytes, sha256: f.sha256 });
    }
    const competition = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${s}`));
    expect(competition.competition.hideTestImages).toBe(false);
  });

  it('happy: train.zip is the dataset train.csv and every train image, byte for byte', async () => {
    const trainCsv = await readFile(join(h.dataset.dir, 'train.csv'));
    const rows = lines(trainCsv).slice(1);
    const entries = await zipEntries((await download(h, `/api/competitions/${s}/data/train.zip`)).bytes);
    expect([...entries.keys()]).toEqual(['train.csv', ...rows.map((r) => `train/${r.split(',')[1]}`)]);
    expect(entries.get('train.csv')).toEqual(trainCsv);
    const first = rows[0].split(',')[1];
    expect(entries.get(`train/${first}`)).toEqual(await readFile(join(h.dataset.dir, 'train', first)));
  });

  it('happy: test.zip holds test.csv (ID,image_path) and the images; the sample has a valid placeholder', async () => {
    const testRows = lines(await readFile(join(h.dataset.dir, 'test.csv'))).slice(1);
    const entries = await zipEntries((await download(h, `/api/competitions/${s}/data/test.zip`)).bytes);
    const testCsv = lines(entries.get('test.csv') ?? Buffer.alloc(0));
    expect(testCsv).toEqual(['ID,image_path', ...testRows]);
    expect([...entries.keys()].slice(1)).toEqual(testRows.map((r) => `test/${r.split(',')[1]}`));
    const sample = lines((await download(h, `/api/competitions/${s}/data/sample_submission.csv`)).bytes);
    expect(sample).toEqual(['ID,image_path,target', ...testRows.map((r) => `${r},0`)]);
  });

  it('security: neither the list nor any file holds test_labels.csv, a label or the split', async () => {
    const list = await call(h, 'GET', `/api/competitions/${s}/data`);
    expect(list.text).not.toMatch(/test_labels|split|public|private/);
    const labelsCsv = await readFile(join(h.dataset.dir, 'test_labels.csv'), 'utf8');
    for (const name of ['train.zip', 'test.zip']) {
      const entries = await zipEntries((await download(h, `/api/competitions/${s}/data/${name}`)).bytes);
      for (const [entry, bytes] of entries) {
        expect(entry).not.toMatch(/label|split/i);
        if (entry.endsWith('.csv')) expect(bytes.toString()).not.toMatch(/split|public|private/);
      }
      if (name === 'test.zip') {
        // test.csv has the ID and path columns only: nothing of the host's label file beyond them.
        const header = lines(entries.get('test.csv') ?? Buffer.alloc(0))[0];
        expect(header).toBe('ID,image_path');
        expect(labelsCsv.split('\n')[0]).toContain('target');
      }
    }
    // A label never reaches the sample either: every placeholder is the same class.
    const sample = lines((await download(h, `/api/competitions/${s}/data/sample_submission.csv`)).bytes);
    expect(new Set(sample.slice(1).map((r) => r.split(',')[2]))).toEqual(new Set(['0']));
    for (const name of ['test_labels.csv', 'split.csv', '..%2Ftest_labels.csv'])
      expectError(await call(h, 'GET', `/api/competitions/${s}/data/${name}`), 404, 'not_found');
  });

  it('bundle-only: with hideTestImages, test.zip is withheld with the reason and 404 says it', async () => {
    const hidden = await createCompetition(h, { hideTestImages: true });
    const view = parse(competitionResponse, await call(h, 'GET', `/api/competitions/${hidden}`));
    expect(view.competition.hideTestImages).toBe(true);
    const list = await dataList(h, hidden);
    expect(list.files.map((f) => f.name)).toEqual(['train.zip', 'sample_submission.csv']);
    expect(list.withheld).toEqual([
      { name: 'test.zip', reason: expect.stringMatching(/keeps the test set on the server/) },
    ]);
    const reply = await call(h, 'GET', `/api/competitions/${hidden}/data/test.zip`);
    expect(expectError(reply, 404, 'not_found')).toMatch(/host keeps the test set on the server/);
    const head = await h.app.request(`/api/competitions/${hidden}/data/test.zip`, { method: 'HEAD' });
    expect(head.status).toBe(404);
  });

  it('bundle-only from the multipart form: hideTestImages=true is honoured', async () => {
    const form = new FormData();
    const zipSlug = slug('hidden');
    const fields = { slug: zipSlug, title: 't', endsAt: '2031-01-01T00:00:00Z', hideTestImages: 'true' };
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('dataset', new Blob([await zipDir(h.dataset.dir)]), 'd.zip');
    const created = await call(h, 'POST', '/api/competitions', { headers: HOST, body: form });
    expect(created.status, created.text).toBe(201);
    expect(parse(competitionResponse, created).competition.hideTestImages).toBe(true);
    const list = await dataList(h, zipSlug);
    expect(list.files.map((f) => f.name)).toEqual(['train.zip', 'sample_submission.csv']);
    const bad = { ...fields, slug: slug('hidden'), hideTestImages: 'yes' };
    const form2 = new FormData();
    for (const [k, v] of Object.entries(bad)) form2.set(k, v);
    form2.set('dataset', new Blob([await zipDir(h.dataset.dir)]), 'd.zip');
    expectError(
      await call(h, 'POST', '/api/competitions', { headers: HOST, body: form2 }),
      400,
      'invalid_argument',
    );
  });

  it('page: /c/:slug/data lists each file with its size, sha256 and link, and the withheld note', async () => {
    const list = await dataList(h, s);
    const page = await call(h, 'GET', `/c/${s}/data`);
    expect(page.status).toBe(200);
    expect(page.res.headers.get('content-type')).toMatch(/text\/html/);
    for (const f of list.files) {
      expect(page.text).toContain(`href="${f.url}"`);
      expect(page.text).toContain(f.sha256);
    }
    expect(page.text).toContain(`sketchboard download ${s} --out data`);
    expect(page.text).not.toMatch(/test_labels|not offered/);
    const hidden = await createCompetition(h, { hideTestImages: true });
    const hiddenPage = await call(h, 'GET', `/c/${hidden}/data`);
    expect(hiddenPage.text).toMatch(/test\.zip is not offered:.*keeps the test set on the server/);
    expect(hiddenPage.text).not.toContain('/data/test.zip');
    expect((await call(h, 'GET', '/c/no-such-one/data')).status).toBe(404);
  });

  it('error: unknown competition 404, unknown file 404 naming the files, malformed slug 400', async () => {
    expectError(await call(h, 'GET', '/api/competitions/no-such-one/data'), 404, 'not_found');
    expectError(await call(h, 'GET', '/api/competitions/no-such-one/data/train.zip'), 404, 'not_found');
    const unknown = expectError(
      await call(h, 'GET', `/api/competitions/${s}/data/model.onnx`),
      404,
      'not_found',
    );
    expect(unknown).toMatch(/train\.zip, test\.zip, sample_submission\.csv/);
    expectError(await call(h, 'GET', '/api/competitions/Bad_Slug/data'), 400, 'invalid_argument');
  });
});
