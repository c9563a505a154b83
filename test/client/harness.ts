// Test harness of the participant CLI: a real in-process service on a temp PGlite folder, and CLI runs with captured output.
import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { HostClient } from '../../core/client/host.js';
import { main } from '../../functions/cli/main.js';
import { type RunningService, startService } from '../../functions/cli/service.js';
import { loadEnv } from '../../functions/config/env.js';

export type Harness = {
  service: RunningService;
  url: string;
  /** Host client. */
  host: HostClient;
  /** The `sketch-demo` competition's data folder and its baseline bundle (10 classes). */
  dataDir: string;
  baseline: string;
  dir: string;
  /** As the host: a competition on the demo data folder, ending a day from now, with `rules` added. */
  competition(slug: string, title: string, rules?: { dailyLimit?: number; finals?: number }): Promise<void>;
  close(): Promise<void>;
};

/**
 * Starts API + embedded scorer on a fresh temp data folder (with the `sketch-demo` competition and its
 * baseline bundle). `maxBundleBytes` sets SKETCHBOARD_MAX_BUNDLE_BYTES.
 */
export async function startHarness(maxBundleBytes = 4 * 1024 * 1024): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-client-'));
  const env = loadEnv({
    SKETCHBOARD_DATA_DIR: join(dir, 'server'),
    SKETCHBOARD_MAX_BUNDLE_BYTES: String(maxBundleBytes),
  });
  const service = await startService({ ...env, port: 0 }, { demo: true, hostname: '127.0.0.1' });
  const demo = service.demo;
  if (!demo) throw new Error('the demo competition was not created');
  const host = new HostClient({ server: service.url, token: service.hostToken.token });
  return {
    service,
    url: service.url,
    host,
    dataDir: demo.dataDir,
    baseline: demo.baselineBundle,
    dir,
    async competition(slug, title, rules = {}) {
      await host.createCompetition({
        slug,
        title,
        datasetPath: demo.dataDir,
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
        ...rules,
      });
    },
    async close() {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The home folder CLI runs see (upload state of `submit`). */
const CLI_HOME = mkdtempSync(join(tmpdir(), 'sb-cli-home-'));

/** What a CLI run printed and returned. */
export type CliRun = { code: number; out: string; err: string };

/**
 * Runs `sketchboard ARGS` in this process with SKETCHBOARD_SERVER/SKETCHBOARD_TOKEN/SKETCHBOARD_HOST_TOKEN set
 * as given (unset otherwise), capturing stdout and stderr.
 */
export async function cli(
  args: string[],
  env: { server?: string; token?: string; hostToken?: string } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  vi.stubEnv('SKETCHBOARD_SERVER', env.server ?? '');
  vi.stubEnv('SKETCHBOARD_TOKEN', env.token ?? '');
  vi.stubEnv('SKETCHBOARD_HOST_TOKEN', env.hostToken ?? '');
  // `submit` keeps resumable upload URLs under ~/.sketchboard: a temp home, never the real one.
  vi.stubEnv('HOME', CLI_HOME);
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The token line of `sketchboard register`'s output. */
export function tokenOf(run: CliRun): string {
  const match = /^token: (\S+)$/m.exec(run.out);
  if (!match) throw new Error(`no token in: ${run.out}${run.err}`);
  return match[1];
}
