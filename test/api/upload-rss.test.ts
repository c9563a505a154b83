// Memory stays flat: a 3 GiB sparse file sent by tus to a real server process grows its peak RSS by < 100 MB.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFile } from '../../core/bundle/digest.js';
import { SketchboardClient } from '../../core/client/client.js';
import { HostClient } from '../../core/client/host.js';
import { tusUploadFile } from '../../core/client/tus-upload.js';
import { constantModel, makeDataset, manifest } from './fixtures.js';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));
const BIG = 3 * 1024 ** 3;
const MB = 1024 ** 2;

/** A field of /proc/<pid>/status in bytes (VmRSS: now, VmHWM: peak since start). */
async function procBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} for ${pid}`);
  return Number(kb) * 1024;
}

let dir: string;
let server: ChildProcess;
let url: string;
const hostToken = `sbh_rss_${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-rss-'));
  server = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      PORT: '0',
      SKETCHBOARD_DATA_DIR: join(dir, 'server'),
      SKETCHBOARD_HOST_TOKEN: hostToken,
      SKETCHBOARD_EMBEDDED_SCORER: 'false',
      SKETCHBOARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (found) resolve(found[1]);
    });
    server.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}, 120_000);

afterAll(async () => {
  server?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('a multi-gigabyte upload through tus', () => {
  it("keeps the server's peak RSS within 100 MB of its resting RSS", async () => {
    const data = await makeDataset(dir);
    const host = new HostClient({ server: url, token: hostToken });
    await host.createCompetition({
      slug: 'rss',
      title: 'RSS',
      datasetPath: data.dir,
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const anonymous = new SketchboardClient({ server: url });
    const { token } = await anonymous.register('rss', 'big', ['ann']);
    const client = anonymous.withToken(token);
    // A sparse 3 GiB file: no data blocks on the client's disk, and the server's store keeps the holes.
    const bundle = join(dir, 'bundle');
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'model.onnx'), constantModel(4, 0));
    await writeFile(join(bundle, 'big.bin'), '');
    await truncate(join(bundle, 'big.bin'), BIG);
    const big = await digestFile(join(bundle, 'big.bin'));
    const model = await digestFile(join(bundle, 'model.onnx'));
    const { plan } = await client.planBundle('rss', {
      manifest: JSON.stringify(manifest(4)),
      files: [
        { path: 'big.bin', ...big },
        { path: 'model.onnx', ...model },
      ],
    });
    expect(plan.missing.map((m) => m.bytes).sort((a, b) => a - b)).toEqual([model.bytes, BIG]);

    const pid = server.pid ?? -1;
    // Reset the peak (VmHWM) to the current RSS, so the start-up peak cannot hide the upload's.
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    const resting = await procBytes(pid, 'VmRSS');
    const { sentBytes } = await tusUploadFile(join(bundle, 'big.bin'), {
      endpoint: `${url}${plan.uploadUrl}`,
      token,
      metadata: { plan: plan.id, sha256: big.sha256 },
    });
    const peak = await procBytes(pid, 'VmHWM');
    expect(sentBytes).toBe(BIG);
    expect((peak - resting) / MB).toBeLessThan(100);
    // Verified (size + sha256 of 3 GiB) and stored: a new plan lacks only the small model.
    const again = await client.planBundle('rss', {
      manifest: JSON.stringify(manifest(4)),
      files: [{ path: 'big.bin', ...big }],
    });
    expect(again.plan.missing).toEqual([]);
    // The stored file kept its holes: far less disk than its size.
    const stored = await stat(join(dir, 'server', 'blobs', 'files', big.sha256));
    expect(stored.size).toBe(BIG);
    expect(stored.blocks * 512).toBeLessThan(64 * MB);
    console.log(`rss: resting ${(resting / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB`);
  }, 600_000);
});
