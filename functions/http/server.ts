// Node bootstrap of the API: `startServer({ env, deps })` listens on PORT and closes cleanly.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { log } from '../../core/log.js';
import type { Env } from '../config/env.js';
import { STAGING_PREFIX } from '../intake/test-images.js';
import { removeStale } from '../intake/upload.js';
import { createApp } from './app.js';
import type { AppDeps } from './context.js';

/** A running server. */
export type RunningServer = {
  /** Base URL, e.g. http://localhost:8787. */
  url: string;
  port: number;
  /** Stop accepting connections, wait for requests in flight (bounded by `graceMs`), close every connection. */
  close(graceMs?: number): Promise<void>;
};

/** Large bundles on slow links: a request may take this long before Node cuts it (default is 5 minutes). */
export const REQUEST_TIMEOUT_MS = 60 * 60 * 1000;

/**
 * Start the API on `env.port` (0 picks a free port), after removing uploads that crashed processes left
 * in the work folders (older than twice the request timeout). The caller owns `deps` (database, queue, blobs) and
 * closes them after `close()`.
 *
 * @example
 * const server = await startServer({ env, deps });
 * console.log(`listening on ${server.url}`);
 * process.on('SIGTERM', () => server.close());
 */
export async function startServer(options: {
  env: Pick<Env, 'port'>;
  deps: AppDeps;
  hostname?: string;
}): Promise<RunningServer> {
  const { workDir, datasetsDir } = options.deps.config;
  const stale =
    (await removeStale(workDir, ['upload-', 'sketchboard-bundle-'], 2 * REQUEST_TIMEOUT_MS)) +
    (await removeStale(datasetsDir, [STAGING_PREFIX], 2 * REQUEST_TIMEOUT_MS));
  if (stale > 0) log.info('removed stale uploads', { count: stale });
  const app = createApp(options.deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: options.env.port,
        hostname: options.hostname,
        serverOptions: { requestTimeout: REQUEST_TIMEOUT_MS },
      },
      () => resolveServer(s),
    );
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.hostname && options.hostname !== '0.0.0.0' ? options.hostname : 'localhost'}:${port}`;
  log.info('API listening', { url });
  return {
    url,
    port,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolveClose, reject) => {
        const timer = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        }, graceMs);
        timer.unref();
        // A keep-alive connection turns idle once its response is sent and would then linger for the
        // keep-alive timeout (5 s): close idle connections as they appear, until the last one is gone.
        const closeIdle = () => {
          if ('closeIdleConnections' in server) server.closeIdleConnections();
        };
        const sweep = setInterval(closeIdle, 100);
        sweep.unref();
        server.close((err) => {
          clearTimeout(timer);
          clearInterval(sweep);
          if (err) reject(err);
          else resolveClose();
        });
        closeIdle();
      }),
  };
}
