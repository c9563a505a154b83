// The API app: request ids, auth, the one error shape, and every route file registered; `createApp(deps)`.
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { log } from '../../core/log.js';
import type { Env } from '../config/env.js';
import { validateBundleArchive } from '../intake/bundle-check.js';
import { datasetsDirOf } from '../intake/dataset.js';
import { authenticate as authenticateToken, pingDatabase } from '../services/index.js';
import { BoardCache } from './board-cache.js';
import { throwInvalid } from './body.js';
import type { ApiConfig, AppDeps, AppEnv, RouteDeps } from './context.js';
import { errorHandler, onNotFound } from './errors.js';
import { authenticate } from './middleware/auth.js';
import { requestId } from './middleware/request-id.js';
import { registerPages } from './pages/index.js';
import { registerBundlePlans } from './routes/bundle-plan.js';
import { registerBundles } from './routes/bundles.js';
import { registerCompetitions } from './routes/competitions.js';
import { registerData } from './routes/data.js';
import { registerDocs } from './routes/docs.js';
import { registerHealth } from './routes/health.js';
import { registerHostRoutes } from './routes/host.js';
import { registerLeaderboard } from './routes/leaderboard.js';
import { type ApiApp, registerOpenApi } from './routes/openapi.js';
import { registerShakeup } from './routes/shakeup.js';
import { registerSubmissions } from './routes/submissions.js';
import { registerTeams } from './routes/teams.js';

export type { ApiConfig, AppDeps, AppEnv } from './context.js';

/** Largest dataset archive accepted by `POST /api/competitions` (multipart), bytes. */
export const DEFAULT_MAX_DATASET_BYTES = 8 * 1024 ** 3;

/**
 * The HTTP layer's limits and folders for an environment: uploads in flight under `<dataDir>/tmp`,
 * competitions' test images (and archives being extracted) under `<dataDir>/datasets`.
 *
 * @example
 * const config = apiConfigFromEnv(loadEnv());
 */
export function apiConfigFromEnv(
  env: Pick<Env, 'dataDir' | 'maxBundleBytes'> & Partial<Pick<Env, 'maxFileBytes'>>,
): ApiConfig {
  return {
    maxBundleBytes: env.maxBundleBytes,
    maxFileBytes: env.maxFileBytes,
    maxDatasetBytes: DEFAULT_MAX_DATASET_BYTES,
    workDir: join(env.dataDir, 'tmp'),
    uploadDir: join(env.dataDir, 'uploads'),
    datasetsDir: datasetsDirOf(env.dataDir),
  };
}

/**
 * Build the API. Every response carries `X-Request-Id`; every error is `{ error: { code, message,
 * requestId } }` from the one onError/notFound; `/api/*` resolves the bearer token first (401 for a bad
 * one, anonymous without one).
 *
 * @example
 * const app = createApp({ services: { db, queue, hostToken, maxActiveSubmissions: 3 }, blobs,
 *   config: apiConfigFromEnv(env) });
 * const res = await app.request('/healthz');
 */
export function createApp(deps: AppDeps): ApiApp {
  const routeDeps: RouteDeps = {
    ...deps,
    logger: deps.logger ?? log,
    validateBundle: deps.validateBundle ?? validateBundleArchive,
    ping: deps.ping ?? (() => pingDatabase(deps.services)),
    boards: deps.boards ?? new BoardCache(deps.services, deps.config.boardStateTtlMs),
  };
  // A path or query that fails its route schema throws the same 400 as any validation, to the one onError.
  const app = new OpenAPIHono<AppEnv>({ defaultHook: throwInvalid });
  app.use(requestId());
  app.onError(errorHandler(routeDeps.logger));
  app.notFound(onNotFound);
  app.use(
    '/api/*',
    authenticate((token) => authenticateToken(deps.services, token)),
  );

  // Registered in the order the document and the reference page list them.
  registerCompetitions(app, routeDeps);
  registerData(app, routeDeps);
  registerTeams(app, routeDeps);
  registerBundles(app, routeDeps);
  registerBundlePlans(app, routeDeps);
  registerSubmissions(app, routeDeps);
  registerLeaderboard(app, routeDeps);
  registerHostRoutes(app, routeDeps);
  registerShakeup(app, routeDeps);
  registerHealth(app, routeDeps.ping);
  registerDocs(app, registerOpenApi(app));
  registerPages(app, routeDeps, deps.pages);
  return app;
}
