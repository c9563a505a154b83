// `sketchboard submit` of a folder by the plan path: only missing files travel, a re-vote sends about a kilobyte, an interrupted upload resumes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Upload } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SketchboardClient } from '../../core/client/client.js';
import { uploadPlannedBundle } from '../../core/client/planned-upload.js';
import { JsonUrlStorage, tusUploadFile } from '../../core/client/tus-upload.js';
import { constantModel, manifest } from '../api/fixtures.js';
import { cli, type Harness, startHarness, tokenOf } from './harness.js';

const SLUG = 'plan-flow';
const MiB = 1024 ** 2;
let h: Harness;
let token: string;
let client: SketchboardClient;
let work: string;

/** A bundle folder of 10 classes voting two constant models under `name`; `extra` adds files. */
async function folder(name: string, extra: Record<string, Uint8Array> = {}): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  const tree = { vote: 'soft', members: [{ model: 'a.onnx' }, { model: 'b.onnx', weight: name.length }] };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest(10, { name, ensemble: tree })));
  await writeFile(join(dir, 'a.onnx'), constantModel(10, 1));
  await writeFile(join(dir, 'b.onnx'), constantModel(10, 2));
  for (const [path, bytes] of Object.entries(extra)) await writeFile(join(dir, path), bytes);
  return dir;
}

beforeAll(async () => {
  h = await startHarness();
  work = await mkdtemp(join(h.dir, 'bundles-'));
  await h.competition(SLUG, 'Plan flow', { dailyLimit: 20 });
  token = tokenOf(await cli(['register', SLUG, '--team', 'Planner', '--member', 'pat'], { server: h.url }));
  client = new SketchboardClient({ server: h.url, token });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('submit by the plan path', () => {
  it('uploads a folder, then a re-vote of the same models uploads no file and about a kilobyte in all', async () => {
    const first = await cli(['submit', await folder('first'), '--competition', SLUG, '--no-wait'], {
      server: h.url,
      token,
    });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/the server lacks 2 file\(s\)/);
    expect(first.out).toMatch(/bundle [0-9a-f-]{36} accepted: first/);

    const revote = await cli(['submit', await folder('revote'), '--competition', SLUG, '--no-wait'], {
      server: h.url,
      token,
    });
    expect(revote.code, revote.err).toBe(0);
    expect(revote.out).toMatch(/the server lacks 0 file\(s\), 0 B of/);
    expect(revote.err).not.toContain('upload [');

    const again = await uploadPlannedBundle(client, SLUG, await folder('revote-2'), { stateFile: false });
    expect(again.created).toBe(true);
    expect(again.sentBytes).toBe(0);
    expect(again.requestBytes).toBeLessThan(2048);
  });

  it('resumes an interrupted upload from the stored URL: only the rest is sent', async () => {
    const big = randomBytes(3 * MiB); // under the harness's 4 MiB bundle limit
    const dir = await folder('resumed', { 'extra.bin': big });
    const stateFile = join(work, 'uploads.json');
    const { plan } = await client.planBundle(SLUG, {
      manifest: JSON.stringify(manifest(10, { name: 'resumed' })),
      files: [
        {
          path: 'extra.bin',
          bytes: big.length,
          sha256: createHash('sha256').update(big).digest('hex'),
        },
      ],
    });
    const [missing] = plan.missing;
    // First run: stopped after the first 1 MiB chunk was accepted (the URL is kept in the state file).
    let upload: Upload | undefined;
    await new Promise<void>((resolve) => {
      void tusUploadFile(join(dir, 'extra.bin'), {
        endpoint: `${h.url}${plan.uploadUrl}`,
        token,
        metadata: { plan: plan.id, sha256: missing.sha256 },
        storage: new JsonUrlStorage(stateFile),
        chunkSize: MiB,
        onStarted: (u) => {
          upload = u;
        },
        onProgress: (sent) => {
          if (sent >= MiB && upload) {
            void upload.abort().then(resolve);
            upload = undefined;
          }
        },
      });
    });
    expect(Object.keys(await new JsonUrlStorage(stateFile).findAllUploads())).toHaveLength(1);
    const resumed = await uploadPlannedBundle(client, SLUG, dir, { stateFile, chunkSize: MiB });
    expect(resumed.created).toBe(true);
    expect(resumed.sentBytes).toBeGreaterThan(0);
    expect(resumed.sentBytes).toBeLessThanOrEqual(big.length - MiB);
    expect(await new JsonUrlStorage(stateFile).findAllUploads()).toEqual([]);
  });
});
