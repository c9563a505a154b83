// The API's Hono environment (per-request variables) and its dependencies (services, blobs, limits, logger).
import type { Context } from 'hono';
import type { log } from '../../core/log.js';
import type { ValidateBundle } from '../intake/bundle-check.js';
import type { ServiceContext } from '../services/context.js';
import type { TeamIdentity } from '../services/views.js';
import type { BlobStore } from '../storage/blob.js';
import type { BoardCache } from './board-cache.js';

export type { TeamIdentity };

/** Who made the request: the host, a team, or nobody (no Authorization header). */
export type Principal = { kind: 'host' } | { kind: 'team'; team: TeamIdentity } | { kind: 'anonymous' };

/** Hono `Env` of the app. */
export type AppEnv = {
  Variables: {
    requestId: string;
    principal: Principal;
  };
};

/** A request context of the app. */
export type AppContext = Context<AppEnv>;

/** Limits and folders of the HTTP layer. */
export type ApiConfig = {
  /** Largest bundle upload, bytes (env SKETCHBOARD_MAX_BUNDLE_BYTES). */
  maxBundleBytes: number;
  /** Where tus uploads in flight live (same filesystem as the blobs); default `<workDir>/../uploads`. */
  uploadDir?: string;
  /** Largest single file of a planned (tus) upload, bytes (env SKETCHBOARD_MAX_FILE_BYTES; default MAX_FILE_BYTES). */
  maxFileBytes?: number;
  /** Free bytes on a folder's filesystem, checked before uploads (default fs.statfs; tests inject less). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Largest dataset archive upload, bytes. */
  maxDatasetBytes: number;
  /** Temp folder for uploads in flight and bundle checks; on the same filesystem as the data. */
  workDir: string;
  /** Where uploaded dataset archives are extracted, one folder per archive sha256. */
  datasetsDir: string;
  /** Bundle checks (every model loaded) running at once; default DEFAULT_VALIDATION_CONCURRENCY (intake/bundle-check.ts). */
  validationConcurrency?: number;
  /** How long a board's version is reused before it is read again, ms (default BOARD_STATE_TTL_MS, board-cache.ts). */
  boardStateTtlMs?: number;
};

/** The logger interface (core/log's shape). */
export type Logger = typeof log;

/**
 * When the pages' session cookie gets the `Secure` attribute: `auto` (default) when the request came over
 * https, directly or per `X-Forwarded-Proto` from a proxy; `always` behind a TLS-terminating proxy that does
 * not send it; `never` only for plain-http local setups.
 */
export type SecureCookies = 'auto' | 'always' | 'never';

/** Options of the server-rendered pages (functions/http/pages). Here, not in pages/, so that pages/ may import this file. */
export type PageOptions = {
  /** `Secure` attribute of the session cookie; default `auto`. */
  secureCookies?: SecureCookies;
};

/** What `createApp` needs. Tests pass a PGlite-backed `services` and a temp-folder blob store. */
export type AppDeps = {
  services: ServiceContext;
  blobs: BlobStore;
  config: ApiConfig;
  logger?: Logger;
  /** Default: open + validate with core/bundle and core/predict. */
  validateBundle?: ValidateBundle;
  /** Database check for /healthz. Default: `select 1` on `services.db`. */
  ping?: () => Promise<void>;
  /** Options of the server-rendered pages (session cookie `Secure` policy). */
  pages?: PageOptions;
  /** The per-process board cache shared by the board routes and pages. Default: a new one. */
  boards?: BoardCache;
};

/** AppDeps with every default resolved: what the route files receive. */
export type RouteDeps = Required<Omit<AppDeps, 'pages'>> & Pick<AppDeps, 'pages'>;
