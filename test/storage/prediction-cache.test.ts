// The prediction cache store and its keys: every part of the key changes the entry, corrupt or foreign entries are misses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceSummary } from '../../core/api/submissions.js';
import type { FileDigest } from '../../core/bundle/digest.js';
import { listLeaves, type Manifest, parseManifest } from '../../core/bundle/manifest.js';
import { type KeyContext, leafKey } from '../../functions/scorer/leaf-keys.js';
import type { BlobStore } from '../../functions/storage/blob.js';
import { createLocalBlobStore } from '../../functions/storage/local.js';
import {
  cacheKey,
  canonicalJson,
  createPredictionCache,
  decodeEntry,
  encodeEntry,
  type PredictionCache,
} from '../../functions/storage/prediction-cache.js';

const sha = (c: string) => c.repeat(64);
const SHAPE = { rows: 3, classes: 2 };
const TABLE = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.5, 0.5]);

const MANIFEST: Manifest = parseManifest({
  version: 1,
  name: 'k',
  classes: 2,
  input: { size: [8, 8], channels: 3 },
  output: 'logits',
  tta: ['hflip'],
  ensemble: {
    vote: 'soft',
    members: [{ model: 'a/fold0.onnx' }, { model: 'cnn/model.json', outputName: 'fold1' }],
  },
});
const FILES: FileDigest[] = [
  { path: 'a/fold0.onnx', bytes: 10, sha256: sha('1') },
  { path: 'cnn/model.json', bytes: 10, sha256: sha('2') },
  { path: 'cnn/group1-shard1of1.bin', bytes: 10, sha256: sha('3') },
];
const CTX: KeyContext = {
  teamId: '7f1d6a4e-0000-4000-8000-000000000001',
  manifest: MANIFEST,
  files: FILES,
  datasetSha256: sha('d'),
  options: { executionProviders: ['cuda', 'cpu'], batchSize: 32 },
  versions: { 'onnxruntime-node': '1.30.0', 'tfjs-core': '4.22.0', 'tfjs-backend': 'wasm' },
};
const REFS = ['group1-shard1of1.bin'];

let dir: string;
let blobs: BlobStore;
let cache: PredictionCache;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-pcache-'));
  blobs = createLocalBlobStore(dir);
  cache = createPredictionCache(blobs);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prediction cache keys', () => {
  const [onnx, tfjs] = listLeaves(MANIFEST);
  const manifest = (over: Partial<Manifest>) => ({ ...CTX, manifest: { ...MANIFEST, ...over } });
  const file = (path: string, c: string) => ({
    ...CTX,
    files: FILES.map((f) => (f.path === path ? { ...f, sha256: sha(c) } : f)),
  });

  it('every part of the key changes it, and the stored entry misses under the changed key', async () => {
    for (const leaf of [onnx, tfjs]) {
      const base = leafKey(leaf, leaf === tfjs ? REFS : [], CTX)!;
      await cache.put(base, TABLE, SHAPE);
      expect(Array.from((await cache.get(base, SHAPE))!.table)).toEqual(Array.from(TABLE));
    }
    const variants: [string, ReturnType<typeof leafKey>, ReturnType<typeof leafKey>][] = [
      ['model bytes', leafKey(onnx, [], CTX), leafKey(onnx, [], file('a/fold0.onnx', '9'))],
      ['TF.js model.json', leafKey(tfjs, REFS, CTX), leafKey(tfjs, REFS, file('cnn/model.json', '9'))],
      ['TF.js shard', leafKey(tfjs, REFS, CTX), leafKey(tfjs, REFS, file('cnn/group1-shard1of1.bin', '9'))],
      ['outputName', leafKey(tfjs, REFS, CTX), leafKey({ ...tfjs, outputName: 'fold2' }, REFS, CTX)],
      ['no outputName', leafKey(tfjs, REFS, CTX), leafKey({ ...tfjs, outputName: undefined }, REFS, CTX)],
      [
        'input spec',
        leafKey(onnx, [], CTX),
        leafKey({ ...onnx, input: { ...onnx.input, size: [9, 8] } }, [], CTX),
      ],
      [
        'input mean',
        leafKey(onnx, [], CTX),
        leafKey({ ...onnx, input: { ...onnx.input, mean: [0.5, 0.5, 0.5] } }, [], CTX),
      ],
      ['tta', leafKey(onnx, [], CTX), leafKey(onnx, [], manifest({ tta: ['hflip', 'vflip'] }))],
      ['no tta', leafKey(onnx, [], CTX), leafKey(onnx, [], manifest({ tta: undefined }))],
      ['output kind', leafKey(onnx, [], CTX), leafKey(onnx, [], manifest({ output: 'probabilities' }))],
      ['dataset', leafKey(onnx, [], CTX), leafKey(onnx, [], { ...CTX, datasetSha256: sha('e') })],
      [
        'team',
        leafKey(onnx, [], CTX),
        leafKey(onnx, [], { ...CTX, teamId: '7f1d6a4e-0000-4000-8000-000000000002' }),
      ],
      [
        'onnxruntime version',
        leafKey(onnx, [], CTX),
        leafKey(onnx, [], { ...CTX, versions: { ...CTX.versions, 'onnxruntime-node': '1.31.0' } }),
      ],
      [
        'execution providers',
        leafKey(onnx, [], CTX),
        leafKey(onnx, [], { ...CTX, options: { ...CTX.options, executionProviders: ['cpu'] } }),
      ],
      [
        'tfjs-core version',
        leafKey(tfjs, REFS, CTX),
        leafKey(tfjs, REFS, { ...CTX, versions: { ...CTX.versions, 'tfjs-core': '4.23.0' } }),
      ],
      [
        'tfjs backend',
        leafKey(tfjs, REFS, CTX),
        leafKey(tfjs, REFS, { ...CTX, versions: { ...CTX.versions, 'tfjs-backend': 'tensorflow' } }),
      ],
    ];
    for (const [what, base, changed] of variants) {
      expect(base, what).not.toBeNull();
      expect(changed, what).not.toBeNull();
      expect(changed!.hex, what).not.toBe(base!.hex);
      expect(await cache.get(changed!, SHAPE), what).toBeNull();
    }
  });

  it('refuses to key what it cannot pin down: no digests, unknown references, TF.js backend not chosen yet', () => {
    expect(leafKey(onnx, [], { ...CTX, files: null })).toBeNull();
    expect(leafKey(tfjs, null, CTX)).toBeNull();
    expect(leafKey(tfjs, ['missing.bin'], CTX)).toBeNull();
    expect(
      leafKey(tfjs, REFS, { ...CTX, versions: { ...CTX.versions, 'tfjs-backend': 'unselected' } }),
    ).toBeNull();
    // The model's path is not part of the key: the same bytes elsewhere in another bundle hit.
    const moved = { ...CTX, files: [...FILES, { path: 'b/other.onnx', bytes: 10, sha256: sha('1') }] };
    expect(leafKey({ ...onnx, id: '3', model: 'b/other.onnx' }, [], moved)!.hex).toBe(
      leafKey(onnx, [], CTX)!.hex,
    );
  });

  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    expect(cacheKey({ x: 1, y: 2 }).hex).toBe(cacheKey({ y: 2, x: 1 }).hex);
  });
});

describe('prediction cache entries', () => {
  const key = cacheKey({ leaf: 'x' });
  const runtime = { runtime: 'onnxruntime' as const, backend: 'cpu', version: '1.30.0' };

  it('round-trips the table and the runtime that computed it', () => {
    const entry = decodeEntry(encodeEntry(key, TABLE, SHAPE, runtime), key, SHAPE);
    expect(typeof entry).not.toBe('string');
    if (typeof entry === 'string') return;
    expect(Array.from(entry.table)).toEqual(Array.from(TABLE));
    expect(entry.runtime).toEqual(runtime);
  });

  it('names why an entry cannot be used: flipped bit, truncation, other key, other shape, other format', () => {
    const good = encodeEntry(key, TABLE, SHAPE);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2] ^= 1;
    expect(decodeEntry(flipped, key, SHAPE)).toBe('checksum mismatch');
    expect(decodeEntry(good.subarray(0, good.length - 4), key, SHAPE)).toMatch(/bytes, expected/);
    expect(decodeEntry(good, cacheKey({ leaf: 'y' }), SHAPE)).toMatch(/key differs/);
    expect(decodeEntry(good, key, { rows: 2, classes: 3 })).toMatch(/shape/);
    expect(decodeEntry(Buffer.from('PK\u0003\u0004 not an entry'), key, SHAPE)).toBe('no valid header');
  });

  it('a corrupt stored entry is a miss, and model references round-trip', async () => {
    await cache.put(key, TABLE, SHAPE);
    expect(await cache.get(key, SHAPE)).not.toBeNull();
    const bytes = Buffer.from(encodeEntry(key, TABLE, SHAPE));
    bytes[bytes.length - 1] ^= 0xff;
    const { Readable } = await import('node:stream');
    const { predictionKey } = await import('../../functions/storage/blob.js');
    await blobs.putStream(predictionKey(key.hex), Readable.from([bytes]));
    expect(await cache.get(key, SHAPE)).toBeNull();
    await cache.putRefs(sha('2'), ['b.bin', 'a.bin']);
    expect(await cache.getRefs(sha('2'))).toEqual(['a.bin', 'b.bin']);
    expect(await cache.getRefs(sha('7'))).toBeNull();
  });
});

describe('inferenceSummary', () => {
  const leaves = (cached: boolean[]) => cached.map((c, i) => ({ id: String(i), model: 'm', cached: c }));
  it('says how many members came from the cache and how many images were inferred', () => {
    expect(
      inferenceSummary({ leaves: leaves([true, true, true, false, false]), inferredImages: 10_014 }),
    ).toBe('3 of 5 members from cache, 2 inferred over 10,014 images');
    expect(inferenceSummary({ leaves: leaves([false]), inferredImages: 48 })).toBe(
      '0 of 1 member from cache, 1 inferred over 48 images',
    );
  });
});
