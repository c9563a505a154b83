// The API under load in a process of its own: `sketchboard serve` (startService) on 127.0.0.1, scorer off.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../functions/cli/bin.mjs', import.meta.url));

/** A running API process. `stop()` sends SIGTERM (graceful), then SIGKILL after `graceMs`. */
export type ApiProcess = { url: string; pid: number; stop(graceMs?: number): Promise<void> };

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `node functions/cli/bin.mjs serve --no-demo --host 127.0.0.1` over `databaseUrl` on a port the OS
 * picks (PORT=0), with the embedded scorer off and warnings-only logging, and waits for its URL.
 *
 * @example
 * const api = await startApiProcess(pgdb.url);
 * await fetch(`${api.url}/healthz`);
 * await api.stop();
 */
export async function startApiProcess(databaseUrl: string, timeoutMs = 60_000): Promise<ApiProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sketchboard-bench-api.'));
  // BENCH_API_NODE_ARGS: extra node flags for the API process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--no-demo', '--host', '127.0.0.1'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      SKETCHBOARD_HOST_TOKEN: `sbh_bench_${randomBytes(16).toString('hex')}`,
      SKETCHBOARD_EMBEDDED_SCORER: 'false',
      SKETCHBOARD_DATA_DIR: dataDir,
      SKETCHBOARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const cleanup = async (graceMs: number) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the API did not start in ${timeoutMs} ms`)),
        timeoutMs,
      );
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the API exited (${code ?? signal}) before listening:\n${output}`));
      });
    });
    child.stdout?.resume();
    return {
      url,
      pid: child.pid ?? -1,
      async stop(graceMs = 15_000) {
        process.removeListener('exit', killOnExit);
        await cleanup(graceMs);
      },
    };
  } catch (err) {
    process.removeListener('exit', killOnExit);
    await cleanup(2000);
    throw err;
  }
}

/**
 * Waits (at most `maxSeconds`) until the API answers `GET /healthz` within `quickMs`: a pass's abandoned
 * requests are still being computed after autocannon disconnects, and must not weigh on the next pass.
 * Returns false when it stayed busy.
 *
 * @example
 * if (!(await apiSettled(api.url))) { await api.stop(5000); api = await startApiProcess(databaseUrl); }
 */
export async function apiSettled(url: string, maxSeconds = 30, quickMs = 250): Promise<boolean> {
  const deadline = performance.now() + maxSeconds * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
    await res?.arrayBuffer();
    if (res?.ok && performance.now() - t0 < quickMs) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}
