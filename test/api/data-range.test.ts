// Downloads over HTTP: Range (206 / 416), ETag and If-None-Match (304), If-Range, HEAD, and one build under concurrency.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseRange } from '../../functions/http/routes/data.js';
import { drivers } from '../helpers/db.js';
import { dataList, download } from './data-helpers.js';
import { type Harness, openHarness } from './fixtures.js';
import { call, createCompetition, expectError } from './flow.js';

describe.each(drivers())('data downloads over %s', (driver) => {
  let h: Harness;
  let url: string;
  let whole: Buffer;
  let etag: string;
  beforeAll(async () => {
    h = await openHarness(driver);
    const s = await createCompetition(h);
    const train = (await dataList(h, s)).files.find((f) => f.name === 'train.zip');
    url = train?.url ?? '';
    etag = `"${train?.sha256}"`;
    whole = (await download(h, url)).bytes;
  });
  afterAll(() => h?.close());

  it('Range: a single range is 206 with Content-Range and the exact bytes', async () => {
    const size = whole.length;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, size - 1],
      ['bytes=-50', size - 50, size - 1],
      [`bytes=10-${size + 1000}`, 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const { res, bytes } = await download(h, url, { Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(bytes.equals(whole.subarray(start, end + 1)), range).toBe(true);
      expect(res.headers.get('etag')).toBe(etag);
    }
  });

  it('Range: past the end is 416 with bytes */size; several ranges or a stale If-Range get the whole file', async () => {
    const reply = await call(h, 'GET', url, { headers: { Range: `bytes=${whole.length}-` } });
    expectError(reply, 416, 'range_not_satisfiable');
    expect(reply.res.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    const ignored: Record<string, string>[] = [
      { Range: 'bytes=0-1,5-9' },
      { Range: 'bytes=0-9', 'If-Range': '"0000"' },
      { Range: 'items=0-9' },
    ];
    for (const headers of ignored) {
      const { res, bytes } = await download(h, url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(bytes.equals(whole)).toBe(true);
    }
    const matching = await download(h, url, { Range: 'bytes=0-9', 'If-Range': etag });
    expect(matching.res.status).toBe(206);
  });

  it('ETag: the sha256, strong; If-None-Match answers 304 without a body', async () => {
    const { res } = await download(h, url);
    expect(res.headers.get('etag')).toBe(etag);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-type')).toBe('application/zip');
    const again = await download(h, url, { 'If-None-Match': etag });
    expect(again.res.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect((await download(h, url, { 'If-None-Match': '"other"' })).res.status).toBe(200);
  });

  it('HEAD: the headers of GET (length, ETag, ranges) and no body', async () => {
    const res = await h.app.request(url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(whole.length));
    expect(res.headers.get('etag')).toBe(etag);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    const ranged = await h.app.request(url, { method: 'HEAD', headers: { Range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-length')).toBe('10');
  });

  it('built once: 8 concurrent first requests build test.zip and the sample once and agree', async () => {
    const s = await createCompetition(h);
    const exists = vi.spyOn(h.blobs, 'exists');
    try {
      const lists = await Promise.all(Array.from({ length: 8 }, () => dataList(h, s)));
      const built = exists.mock.calls.map(([key]) => key).filter((key) => key.startsWith('data/'));
      expect(built).toHaveLength(2); // one build stored test.zip and sample_submission.csv, once each
      for (const list of lists) expect(list).toEqual(lists[0]);
      await dataList(h, s);
      expect(exists.mock.calls.filter(([key]) => key.startsWith('data/'))).toHaveLength(2);
    } finally {
      exists.mockRestore();
    }
  });
});

describe('parseRange', () => {
  it('any answer lies inside the file; unsatisfiable only when the range starts past the end', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000)), (size, a, b) => {
        const header = `bytes=${a ?? ''}-${b ?? ''}`;
        const r = parseRange(header, size);
        if (r === null) return a === null && b === null ? true : a !== null && b !== null && b < a;
        if (r === 'unsatisfiable') return a !== null ? a >= size : size === 0 || b === 0;
        return r.start >= 0 && r.start <= r.end && r.end < size;
      }),
    );
  });
});
