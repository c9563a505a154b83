// Pack then open a real bundle (nested tree, TF.js shards, ONNX external data); determinism; pack refusals; CLI.
import { createHash } from 'node:crypto';
import { chmod, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBundle, openBundleDir } from '../../core/bundle/open.js';
import { packBundle } from '../../core/bundle/pack.js';
import { command } from '../../core/cli/pack.js';
import { captureOutput } from '../helpers/output.js';
import { goodBundleFiles, manifestJson, modelJson, tempDir, tinyOnnx, writeTree } from './fixtures.js';

const NEEDED = [
  'cnn/group1-shard1of2.bin',
  'cnn/group1-shard2of2.bin',
  'cnn/model.json',
  'giant.onnx',
  'giant.onnx.data',
  'large/fold0.onnx',
  'large/fold1.onnx',
  'large/fold1.weights',
  'manifest.json',
];

let src: string;
let work: string;

beforeEach(async () => {
  src = await tempDir('sb-src-');
  work = await tempDir('sb-work-');
  await writeTree(src, { ...goodBundleFiles(), 'notes.txt': 'not named by anyone' });
});

afterEach(async () => {
  await rm(src, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('packBundle + openBundle round trip', () => {
  it('packs exactly the needed files and opens them back with the same hash', async () => {
    const out = join(work, 'bundle.zip');
    const packed = await packBundle({ manifestPath: join(src, 'manifest.json'), out });
    expect(packed.out).toBe(out);
    expect(packed.files[0]).toBe('manifest.json');
    expect([...packed.files].sort()).toEqual(NEEDED);
    const zipBytes = await readFile(out);
    expect(packed.bytes).toBe(zipBytes.length);
    expect(packed.sha256).toBe(createHash('sha256').update(zipBytes).digest('hex'));
    expect(await readdir(work)).toEqual(['bundle.zip']); // no temp file left behind

    const bundle = await openBundle(out, { workDir: work });
    try {
      expect(bundle.sha256).toBe(packed.sha256);
      expect(bundle.sizeBytes).toBe(packed.bytes);
      expect(bundle.files).toEqual(NEEDED);
      expect(bundle.manifest.tta).toEqual(['hflip']);
      expect(bundle.manifest.ensemble).toMatchObject({ vote: 'hard' });
      for (const rel of NEEDED) {
        expect(await readFile(join(bundle.dir, rel))).toEqual(await readFile(join(src, rel)));
      }
      expect((await stat(join(bundle.dir, 'large/fold1.onnx'))).mode & 0o777).toBe(0o644);
    } finally {
      await bundle.dispose();
    }
    await expect(stat(bundle.dir)).rejects.toThrow(/ENOENT/);
    await bundle.dispose(); // twice is fine
  });

  it('stores a manifest under another name as manifest.json', async () => {
    await rename(join(src, 'manifest.json'), join(src, 'eva.manifest.json'));
    const out = join(work, 'dist', 'new', 'b.zip'); // missing folders are created
    const packed = await packBundle({ manifestPath: join(src, 'eva.manifest.json'), out });
    expect(packed.files[0]).toBe('manifest.json');
    const bundle = await openBundle(out, { workDir: work });
    expect(bundle.manifest.name).toBe('test-bundle');
    await bundle.dispose();
  });

  it('opens an unpacked folder in place with the same checks and an empty sha256', async () => {
    const bundle = await openBundleDir(src);
    expect(bundle.dir).toBe(src);
    expect(bundle.sha256).toBe('');
    expect(bundle.files).toEqual([...NEEDED, 'notes.txt'].sort());
    expect(bundle.sizeBytes).toBeGreaterThan(0);
    await bundle.dispose();
    expect((await stat(src)).isDirectory()).toBe(true);
    await rm(join(src, 'cnn/group1-shard2of2.bin'));
    await expect(openBundleDir(src)).rejects.toMatchObject({
      code: 'invalid_model',
      message: expect.stringMatching(
        /cnn\/group1-shard2of2\.bin referenced by model cnn\/model\.json is missing/,
      ),
    });
  });
});

describe('pack determinism', () => {
  it('gives the same sha256 for the same inputs, whatever their mtimes and permissions', async () => {
    const manifestPath = join(src, 'manifest.json');
    const first = await packBundle({ manifestPath, out: join(work, 'a.zip') });
    await utimes(join(src, 'giant.onnx.data'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    await chmod(join(src, 'large/fold0.onnx'), 0o600);
    const second = await packBundle({ manifestPath, out: join(work, 'b.zip') });
    expect(second.sha256).toBe(first.sha256);
    expect(await readFile(join(work, 'b.zip'))).toEqual(await readFile(join(work, 'a.zip')));

    await writeFile(join(src, 'giant.onnx.data'), new Uint8Array(16).fill(8));
    const third = await packBundle({ manifestPath, out: join(work, 'a.zip') }); // replaces a.zip
    expect(third.sha256).not.toBe(first.sha256);
  });
});

describe('pack refusals', () => {
  const pack = () => packBundle({ manifestPath: join(src, 'manifest.json'), out: join(work, 'out.zip') });

  async function expectRefused(code: string, message: RegExp) {
    await expect(pack()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await readdir(work)).toEqual([]);
  }

  it('refuses a missing model', async () => {
    await rm(join(src, 'giant.onnx'));
    await expectRefused(
      'invalid_manifest',
      /model giant\.onnx named by the manifest is missing from the bundle/,
    );
  });

  it('refuses a symlinked model', async () => {
    await rename(join(src, 'giant.onnx'), join(work, 'real.onnx'));
    await symlink(join(work, 'real.onnx'), join(src, 'giant.onnx'));
    await rm(join(work, 'real.onnx')); // keep `work` empty; a dangling link must still be refused
    await expectRefused('invalid_manifest', /model giant\.onnx named by the manifest is a symlink/);
  });

  it('refuses a model reached through a symlinked folder outside the manifest folder', async () => {
    const outside = await tempDir('sb-outside-');
    await writeTree(outside, { 'fold0.onnx': tinyOnnx(), 'fold1.onnx': tinyOnnx() });
    await rm(join(src, 'large'), { recursive: true });
    await symlink(outside, join(src, 'large'));
    await expectRefused('invalid_manifest', /model large\/fold0\.onnx .*resolves outside the bundle folder/);
    await rm(outside, { recursive: true, force: true });
  });

  it('refuses a missing TF.js shard and a bad external-data location', async () => {
    await rm(join(src, 'cnn/group1-shard1of2.bin'));
    await expectRefused(
      'invalid_model',
      /file cnn\/group1-shard1of2\.bin referenced by model cnn\/model\.json is missing/,
    );
    await writeTree(src, { 'cnn/group1-shard1of2.bin': 'x', 'giant.onnx': tinyOnnx('../secrets.bin') });
    await expectRefused(
      'invalid_model',
      /model giant\.onnx references "\.\.\/secrets\.bin": it is not a plain file name/,
    );
  });

  it('refuses an invalid manifest and names that collide when case-folded', async () => {
    await writeFile(join(src, 'manifest.json'), manifestJson({ model: 'a.onnx' }, { tta: ['rotate'] }));
    await expectRefused('invalid_manifest', /manifest\.json is invalid: tta\.0/);
    await writeTree(src, {
      'manifest.json': manifestJson({
        vote: 'soft',
        members: [{ model: 'A.onnx' }, { model: 'cnn/model.json' }],
      }),
      'A.onnx': tinyOnnx('a.onnx'),
      'a.onnx': 'weights',
      'cnn/model.json': modelJson([]),
    });
    await expectRefused(
      'invalid_manifest',
      /cannot pack a\.onnx: file "a\.onnx" differs only in case .* "A\.onnx"/,
    );
  });
});

describe('sketchboard pack', () => {
  it('prints files, size and sha256', async () => {
    const { result: code, out: printed } = await captureOutput(() =>
      command.run(['--manifest', join(src, 'manifest.json'), '--out', join(work, 'cli.zip')]),
    );
    expect(code).toBe(0);
    const sha = createHash('sha256')
      .update(await readFile(join(work, 'cli.zip')))
      .digest('hex');
    expect(printed).toContain(`sha256  ${sha}`);
    expect(printed).toMatch(/packed 9 files into .*cli\.zip/);
    expect(printed).toContain('  cnn/group1-shard2of2.bin');
    expect(printed).toMatch(/size {4}[\d.]+ (B|KiB) \(\d+ bytes\)/);
  });

  it('routes RUN_DIRs to the run packer (tested in test/train/pack-runs*), and requires --out', async () => {
    await expect(command.run(['runs/fold0', '--vote', 'soft', '--out', 'x.zip'])).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/runs\/fold0 is not a training run/),
    });
    await expect(command.run(['--manifest', 'm.json'])).rejects.toThrow(/missing required option --out/);
  });
});
