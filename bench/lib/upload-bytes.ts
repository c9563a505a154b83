// bench/ensemble (c): bytes a re-voted bundle sends by the plan path, measured against a real server.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SketchboardClient } from '../../core/client/client.js';
import { uploadPlannedBundle } from '../../core/client/planned-upload.js';

/** What a first upload and a re-vote of the same model files sent. */
export type UploadBytes = {
  /** Request body bytes of the first upload (plan request + every file). */
  firstBytes: number;
  /** Request body bytes of the re-vote (plan request only when the server has every file). */
  revoteBytes: number;
  /** File bytes the re-vote sent (0 expected). */
  revoteFileBytes: number;
  /** Files of the bundle and their summed size. */
  files: number;
  bundleBytes: number;
};

/**
 * Upload the bundle folder `bundleDir` by the plan path as a team of `slug` on `server`, then a re-vote: the
 * same model files under a manifest whose `name` differs (a new combination of the same members), and
 * report the bytes each sent. Pass a fresh team token, or `firstBytes` counts only what that team had not
 * sent before. Nothing is left on disk.
 *
 * @example
 * const bytes = await measureRevoteUpload({ server: api.url, token, slug: 'bench', bundleDir: './bundle' });
 * console.log(`re-vote uploaded ${bytes.revoteBytes} bytes (${bytes.revoteFileBytes} of files)`);
 */
export async function measureRevoteUpload(input: {
  server: string;
  token: string;
  slug: string;
  /** An unpacked bundle folder (manifest.json inside). */
  bundleDir: string;
}): Promise<UploadBytes> {
  const client = new SketchboardClient({ server: input.server, token: input.token });
  const first = await uploadPlannedBundle(client, input.slug, input.bundleDir, { stateFile: false });
  const work = await mkdtemp(join(tmpdir(), 'sketchboard-revote-'));
  try {
    const revoteDir = join(work, 'bundle');
    await cp(input.bundleDir, revoteDir, { recursive: true });
    const manifestPath = join(revoteDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { name?: string };
    manifest.name = `${manifest.name ?? 'bundle'} (re-vote)`;
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
    const revote = await uploadPlannedBundle(client, input.slug, revoteDir, { stateFile: false });
    return {
      firstBytes: first.requestBytes,
      revoteBytes: revote.requestBytes,
      revoteFileBytes: revote.sentBytes,
      files: first.plan.missing.length,
      bundleBytes: first.plan.totalBytes,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
