// `sketchboard download`: the demo's data into the competition layout, no re-download, resume after a cut, sha256 mismatch.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadTestSet, loadTrainSet } from '../../core/data/layout.js';
import { cli, type Harness, startHarness } from './harness.js';
import { json, requests, scripted, stopScripted } from './scripted-server.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Every fetch the CLI makes in this process, with its Range header. */
function watchFetch() {
  const real = globalThis.fetch;
  const seen: { url: string; range: string | null }[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    seen.push({ url: String(input), range: new Headers(init?.headers).get('range') });
    return real(input, init);
  });
  return { seen, restore: () => spy.mockRestore() };
}

describe('sketchboard download against a real server', () => {
  let h: Harness;
  let out: string;
  beforeAll(async () => {
    h = await startHarness();
    out = join(h.dir, 'data');
  });
  afterAll(() => h?.close());

  it('fetches and verifies every file and unpacks them into the layout train and predict read', async () => {
    const run = await cli(['download', 'sketch-demo', '--out', out, '--server', h.url]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toMatch(/train\.zip \[#+\] .*100%.*sha256 verified/);
    expect((await readdir(out)).filter((n) => !n.startsWith('.')).sort()).toEqual(
      ['sample_submission.csv', 'test', 'test.csv', 'test.zip', 'train', 'train.csv', 'train.zip'].sort(),
    );
    const train = await loadTrainSet(out);
    const original = await loadTrainSet(h.dataDir);
    expect(train.classNames).toEqual(original.classNames);
    expect(train.items.map((i) => i.relPath)).toEqual(original.items.map((i) => i.relPath));
    const test = await loadTestSet(out);
    expect(test.map((t) => t.id)).toEqual((await loadTestSet(h.dataDir)).map((t) => t.id));
    const first = train.items[0].relPath;
    expect(await readFile(join(out, 'train', first))).toEqual(
      await readFile(join(h.dataDir, 'train', first)),
    );
    expect(await readdir(out)).not.toContain('test_labels.csv');
  });

  it('a second run finds everything present and verified: only the list is fetched', async () => {
    const before = (await stat(join(out, 'train', (await readdir(join(out, 'train')))[0]))).mtimeMs;
    const fetches = watchFetch();
    try {
      const run = await cli(['download', 'sketch-demo', '--out', out, '--server', h.url]);
      expect(run.code, run.err).toBe(0);
      expect(run.err.match(/already here, sha256 verified/g)).toHaveLength(3);
      expect(fetches.seen.map((f) => new URL(f.url).pathname)).toEqual([
        '/api/competitions/sketch-demo/data',
      ]);
    } finally {
      fetches.restore();
    }
    expect((await stat(join(out, 'train', (await readdir(join(out, 'train')))[0]))).mtimeMs).toBe(before);
  });

  it('resumes a .part with Range when the ETag is unchanged, starts over when it changed', async () => {
    const zip = join(out, 'train.zip');
    const whole = await readFile(zip);
    const half = Math.floor(whole.length / 2);
    await rename(zip, `${zip}.part`);
    await truncate(`${zip}.part`, half);
    await writeFile(`${zip}.part.etag`, `"${sha256(whole)}"`);
    const fetches = watchFetch();
    try {
      const run = await cli(['download', 'sketch-demo', '--out', out, '--server', h.url]);
      expect(run.code, run.err).toBe(0);
      expect(run.err).toMatch(/train\.zip .*resumed; sha256 verified/);
      expect(fetches.seen.find((f) => f.url.endsWith('/train.zip'))?.range).toBe(`bytes=${half}-`);
      expect(await readFile(zip)).toEqual(whole);
      // A part started from another version of the file is not continued.
      await rename(zip, `${zip}.part`);
      await writeFile(`${zip}.part.etag`, '"an-older-version"');
      fetches.seen.length = 0;
      const again = await cli(['download', 'sketch-demo', '--out', out, '--server', h.url]);
      expect(again.code, again.err).toBe(0);
      expect(fetches.seen.find((f) => f.url.endsWith('/train.zip'))?.range).toBeNull();
      expect(await readFile(zip)).toEqual(whole);
      expect((await readdir(out)).filter((n) => n.includes('.part'))).toEqual([]);
    } finally {
      fetches.restore();
    }
  });
});

describe('sketchboard download against a scripted server', () => {
  const sample = `ID,image_path,target\n${Array.from({ length: 400 }, (_, i) => `id${i},${i}.png,0`).join('\n')}\n`;
  const listing = (sha: string) => ({
    files: [
      {
        name: 'sample_submission.csv',
        bytes: sample.length,
        sha256: sha,
        url: '/api/competitions/x/data/sample_submission.csv',
      },
    ],
    withheld: [{ name: 'test.zip', reason: 'the host keeps the test set on the server' }],
  });
  afterEach(() => stopScripted());

  it('a connection cut mid-file leaves a .part that the next run continues with Range', async () => {
    let served = 0;
    const server = await scripted({
      'GET /api/competitions/x/data/': (req, res) => {
        served++;
        const etag = `"${sha256(sample)}"`;
        if (served === 1) {
          res.writeHead(200, { 'content-length': sample.length, etag });
          res.write(sample.slice(0, 1000));
          setImmediate(() => res.socket?.destroy());
          return;
        }
        const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1]);
        expect(req.headers['if-range']).toBe(etag);
        res.writeHead(206, {
          'content-length': sample.length - start,
          'content-range': `bytes ${start}-${sample.length - 1}/${sample.length}`,
          etag,
        });
        res.end(sample.slice(start));
      },
      'GET /api/competitions/x/data': (_req, res) => json(res, 200, listing(sha256(sample))),
    });
    const out = await mkdtemp(join(tmpdir(), 'sb-dl-'));
    const cut = await cli(['download', 'x', '--out', out, '--server', server]);
    expect(cut.code).toBe(1);
    expect((await stat(join(out, 'sample_submission.csv.part'))).size).toBe(1000);
    const resumed = await cli(['download', 'x', '--out', out, '--server', server]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/resumed; sha256 verified/);
    expect(resumed.err).toMatch(/test\.zip: not offered: the host keeps the test set on the server/);
    expect(requests.filter((r) => r.url.endsWith('.csv'))).toHaveLength(2);
    expect(await readFile(join(out, 'sample_submission.csv'), 'utf8')).toBe(sample);
  });

  it('a sha256 mismatch deletes the file and fails naming both hashes', async () => {
    const wrong = '0'.repeat(64);
    const server = await scripted({
      'GET /api/competitions/x/data/': (_req, res) => {
        res.writeHead(200, { 'content-length': sample.length, etag: `"${wrong}"` });
        res.end(sample);
      },
      'GET /api/competitions/x/data': (_req, res) => json(res, 200, listing(wrong)),
    });
    const out = await mkdtemp(join(tmpdir(), 'sb-dl-'));
    const run = await cli(['download', 'x', '--out', out, '--server', server]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `sample_submission.csv: sha256 mismatch (expected ${wrong}, got ${sha256(sample)}`,
    );
    expect(await readdir(out)).toEqual([]);
  });
});
