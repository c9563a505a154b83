// No-database units of the data layer: the stratified splitter, the environment, the host token, the blob store.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHostToken, loadEnv } from '../../functions/config/env.js';
import { isServiceError } from '../../functions/services/errors.js';
import { stratifiedSplit } from '../../functions/services/split.js';
import { bundleKey, isBlobKey, outputKey } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-db-unit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('stratifiedSplit', () => {
  // 3 classes of uneven size: 7, 5 and 3 items.
  const items = [0, 1, 2].flatMap((label) =>
    Array.from({ length: [7, 5, 3][label] }, (_, i) => ({ id: `c${label}-${i}`, label })),
  );

  it('is stratified per class and hits round(n * fraction) overall', () => {
    const split = stratifiedSplit(items, 0.5, 42);
    const publicOf = (label: number) =>
      items.filter((it) => it.label === label && split.get(it.id) === 'public').length;
    // floors 3, 2, 1 = 6; the target round(7.5) = 8 hands 2 extra slots to the largest remainders (all 0.5).
    expect([...split.values()].filter((s) => s === 'public')).toHaveLength(8);
    for (const [label, n] of [7, 5, 3].entries()) {
      expect(publicOf(label)).toBeGreaterThanOrEqual(Math.floor(n / 2));
      expect(publicOf(label)).toBeLessThanOrEqual(Math.ceil(n / 2));
    }
    expect(split.size).toBe(items.length);
  });

  it('depends on the seed but not on the input order', () => {
    const a = stratifiedSplit(items, 0.3, 7);
    const b = stratifiedSplit([...items].reverse(), 0.3, 7);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    const seeds = [1, 2, 3, 4].map((seed) =>
      JSON.stringify([...stratifiedSplit(items, 0.3, seed).entries()].sort()),
    );
    expect(new Set(seeds).size).toBeGreaterThan(1);
    expect([...a.values()].filter((s) => s === 'public')).toHaveLength(Math.round(items.length * 0.3));
  });

  it('refuses a fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(items, 1, 1)).toThrow(RangeError);
    expect(() => stratifiedSplit(items, 0, 1)).toThrow(RangeError);
  });
});

describe('loadEnv', () => {
  it('applies the defaults', () => {
    const env = loadEnv({});
    expect(env.databaseUrl).toBeUndefined();
    expect(env.port).toBe(8787);
    expect(env.dataDir.endsWith('.sketchboard')).toBe(true);
    expect(env.maxActiveSubmissions).toBe(3);
    expect(env.scorer.embedded).toBe(true);
    expect(env.maxBundleBytes).toBeGreaterThan(0);
  });

  it('parses values and names every bad variable at once', () => {
    const env = loadEnv({ PORT: '9000', SKETCHBOARD_EMBEDDED_SCORER: 'false', DATABASE_URL: '' });
    expect(env.port).toBe(9000);
    expect(env.scorer.embedded).toBe(false);
    expect(env.databaseUrl).toBeUndefined();
    let message = '';
    try {
      loadEnv({
        PORT: 'eighty',
        SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS: '0',
        SKETCHBOARD_EMBEDDED_SCORER: 'maybe',
      });
    } catch (err) {
      message = String((err as Error).message);
    }
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS/);
    expect(message).toMatch(/SKETCHBOARD_EMBEDDED_SCORER/);
  });

  it('takes PORT 0 (any free port) and refuses ports outside 0-65535', () => {
    expect(loadEnv({ PORT: '0' }).port).toBe(0);
    expect(loadEnv({ PORT: '65535' }).port).toBe(65535);
    expect(() => loadEnv({ PORT: '-1' })).toThrow(/PORT/);
    expect(() => loadEnv({ PORT: '65536' })).toThrow(/PORT/);
  });

  it('needs a host token with DATABASE_URL, and a postgres URL', () => {
    expect(() => loadEnv({ DATABASE_URL: 'postgres://h/db' })).toThrow(/SKETCHBOARD_HOST_TOKEN/);
    expect(() => loadEnv({ DATABASE_URL: 'mysql://h/db', SKETCHBOARD_HOST_TOKEN: 'x'.repeat(20) })).toThrow(
      /DATABASE_URL/,
    );
    expect(
      loadEnv({ DATABASE_URL: 'postgres://h/db', SKETCHBOARD_HOST_TOKEN: 'x'.repeat(20) }).databaseUrl,
    ).toBe('postgres://h/db');
  });
});

describe('ensureHostToken', () => {
  it('generates a token once, stores it privately and reuses it', async () => {
    const dataDir = join(dir, 'data');
    const first = await ensureHostToken({ dataDir, hostToken: undefined });
    const second = await ensureHostToken({ dataDir, hostToken: undefined });
    expect(first.generated).toBe(true);
    expect(second).toEqual({ token: first.token, generated: false });
    expect((await stat(join(dataDir, 'host-token'))).mode & 0o077).toBe(0);
    expect(await ensureHostToken({ dataDir, hostToken: 'from-the-env-0123456' })).toEqual({
      token: 'from-the-env-0123456',
      generated: false,
    });
  });
});

describe('local blob store', () => {
  it('stores files and streams atomically under content-addressed keys', async () => {
    const blobs = createLocalBlobStore(join(dir, 'blobs'));
    const src = join(dir, 'src.zip');
    await writeFile(src, 'zip bytes');
    const key = bundleKey('ab'.repeat(32));
    await blobs.putFile(key, src);
    expect(await blobs.exists(key)).toBe(true);
    expect(await readFile(await blobs.getPath!(key), 'utf8')).toBe('zip bytes');

    const out = outputKey('0b9f0c4e-1d2a-4c3b-9e8f-7a6b5c4d3e2f');
    expect(await blobs.putStream(out, Readable.from([Buffer.from('ID,'), Buffer.from('target\n')]))).toEqual({
      bytes: 10,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of await blobs.getStream(out)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('ID,target\n');
    await blobs.delete(out);
    expect(await blobs.exists(out)).toBe(false);
    await expect(blobs.getStream(out)).rejects.toSatisfy((e) => isServiceError(e, 'not_found'));
  });

  it('leaves nothing behind when a stream fails, and refuses unsafe keys', async () => {
    const root = join(dir, 'blobs2');
    const blobs = createLocalBlobStore(root);
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('client went away');
    }
    await expect(blobs.putStream('outputs/x.csv', broken())).rejects.toThrow(/went away/);
    expect(await blobs.exists('outputs/x.csv')).toBe(false);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    for (const bad of ['../x', '/abs', 'a/../b', 'A.zip', '.hidden', 'a//b', ''])
      expect(isBlobKey(bad)).toBe(false);
    await expect(blobs.putFile('../escape', join(dir, 'src.zip'))).rejects.toSatisfy((e) =>
      isServiceError(e, 'invalid_argument'),
    );
    expect(() => bundleKey('not-a-sha')).toThrow();
  });
});
