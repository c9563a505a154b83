// The server's environment: one zod schema, validated once at start-up; every default lives here.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MAX_BUNDLE_BYTES, MAX_FILE_BYTES } from '../../core/bundle/limits.js';
import { formatIssues, type Issue, SketchboardError } from '../../core/errors.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: `/`-separated key-safe segments, stored with one trailing `/` (see blob.ts `isBlobKey`). */
const S3_PREFIX = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*\/?$/;

/** Every variable the server reads, with its default. DESIGN.md and infra/OPERATIONS.md quote these. */
const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PORT: int(0, 65535).default(8787),
  SKETCHBOARD_DATA_DIR: z.string().min(1).default('./.sketchboard'),
  SKETCHBOARD_HOST_TOKEN: z.preprocess(
    blankIsUnset,
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  SKETCHBOARD_MAX_BUNDLE_BYTES: int(1, Number.MAX_SAFE_INTEGER).default(MAX_BUNDLE_BYTES),
  SKETCHBOARD_MAX_FILE_BYTES: int(1, Number.MAX_SAFE_INTEGER).default(MAX_FILE_BYTES),
  SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS: int(1, 1000).default(3),
  SKETCHBOARD_SCORER_CONCURRENCY: int(1, 64).default(1),
  SKETCHBOARD_SCORER_TIMEOUT_SECONDS: int(1, 86_400).default(1800),
  SKETCHBOARD_SCORER_MEMORY_MB: int(64, 1_048_576).default(8192),
  SKETCHBOARD_SCORER_MAX_ATTEMPTS: int(1, 20).default(3),
  SKETCHBOARD_SCORER_STOP_GRACE_SECONDS: int(0, 3600).default(30),
  SKETCHBOARD_EMBEDDED_SCORER: bool.default(true),
  SKETCHBOARD_PREDICTION_CACHE: bool.default(true),
  SKETCHBOARD_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).optional(),
  SKETCHBOARD_BLOB_BACKEND: z.enum(['local', 's3']).default('local'),
  SKETCHBOARD_S3_BUCKET: z.preprocess(
    blankIsUnset,
    z.string().regex(S3_BUCKET, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)').optional(),
  ),
  SKETCHBOARD_S3_REGION: z.string().min(1).default('us-east-1'),
  SKETCHBOARD_S3_ENDPOINT: z.preprocess(
    blankIsUnset,
    z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  ),
  SKETCHBOARD_S3_PREFIX: z.preprocess(
    blankIsUnset,
    z.string().regex(S3_PREFIX, 'must be lower-case key segments like "sketchboard/prod"').optional(),
  ),
  SKETCHBOARD_S3_FORCE_PATH_STYLE: bool.default(false),
});

/** Names of every variable in the schema (manifest tests and docs check against this list). */
export const ENV_NAMES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

/** The schema's default of a variable as its string form, or undefined when it has none. */
export function envDefault(name: string): string | undefined {
  const field = (envSchema.shape as Record<string, z.ZodType>)[name];
  const parsed = field?.safeParse(undefined);
  if (!parsed?.success || parsed.data === undefined) return undefined;
  return String(parsed.data);
}

/** Where blobs live: the local folder `<dataDir>/blobs` (default) or an S3-compatible bucket. */
export type BlobSettings =
  | { backend: 'local' }
  | {
      backend: 's3';
      bucket: string;
      region: string;
      /** Custom endpoint (MinIO, Ceph, R2...); unset means AWS S3 for `region`. */
      endpoint: string | undefined;
      /** Prepended to every key; '' or ends with '/'. */
      prefix: string;
      forcePathStyle: boolean;
    };

/** The validated environment, with friendly names. */
export type Env = {
  /** PostgreSQL URL; unset means embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  /** HTTP port; 0 picks a free one (the URL printed at start names it). */
  port: number;
  /** Absolute data folder: PGlite at `<dataDir>/pglite`, blobs at `<dataDir>/blobs`. */
  dataDir: string;
  /** Host token from the environment; embedded mode falls back to {@link ensureHostToken}. */
  hostToken: string | undefined;
  /** Largest bundle (zip, or every file summed), bytes. */
  maxBundleBytes: number;
  /** Largest single file of a bundle uploaded by the plan path, bytes. */
  maxFileBytes: number;
  maxActiveSubmissions: number;
  scorer: {
    concurrency: number;
    timeoutSeconds: number;
    memoryMb: number;
    /** Attempts per submission, counting the first: infrastructure faults retry up to this bound. */
    maxAttempts: number;
    /** On SIGTERM, how long running jobs may finish before their runs are killed and the jobs handed back. */
    stopGraceSeconds: number;
    /** Run the scorer inside `sketchboard serve`. */
    embedded: boolean;
    /** Keep every scored leaf's probability table in the blob store and reuse it (re-voted ensembles skip inference). */
    predictionCache: boolean;
  };
  /** Blob store choice; S3 credentials come from the AWS SDK's chain (AWS_ACCESS_KEY_ID, ...). */
  blobs: BlobSettings;
};

/**
 * Validates the environment once; throws one `invalid_argument` error naming every bad variable.
 *
 * @example
 * const env = loadEnv(); // process.env
 * const testEnv = loadEnv({ SKETCHBOARD_DATA_DIR: '/tmp/sb', PORT: '0' });
 */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  const problems: Issue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return { path: [`${name}=${JSON.stringify(source[name] ?? '')}`], message: issue.message };
      });
  if (parsed.success && parsed.data.DATABASE_URL && !parsed.data.SKETCHBOARD_HOST_TOKEN) {
    problems.push({
      path: ['SKETCHBOARD_HOST_TOKEN'],
      message: 'required when DATABASE_URL is set (every replica needs the same one)',
    });
  }
  if (parsed.success && parsed.data.SKETCHBOARD_BLOB_BACKEND === 's3' && !parsed.data.SKETCHBOARD_S3_BUCKET) {
    problems.push({ path: ['SKETCHBOARD_S3_BUCKET'], message: 'required when SKETCHBOARD_BLOB_BACKEND=s3' });
  }
  if (!parsed.success || problems.length > 0) {
    throw new SketchboardError(
      'invalid_argument',
      `invalid environment:\n  ${formatIssues(problems, '(root)', '\n  ')}`,
    );
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    dataDir: resolve(e.SKETCHBOARD_DATA_DIR),
    hostToken: e.SKETCHBOARD_HOST_TOKEN,
    maxBundleBytes: e.SKETCHBOARD_MAX_BUNDLE_BYTES,
    maxFileBytes: e.SKETCHBOARD_MAX_FILE_BYTES,
    maxActiveSubmissions: e.SKETCHBOARD_MAX_ACTIVE_SUBMISSIONS,
    scorer: {
      concurrency: e.SKETCHBOARD_SCORER_CONCURRENCY,
      timeoutSeconds: e.SKETCHBOARD_SCORER_TIMEOUT_SECONDS,
      memoryMb: e.SKETCHBOARD_SCORER_MEMORY_MB,
      maxAttempts: e.SKETCHBOARD_SCORER_MAX_ATTEMPTS,
      stopGraceSeconds: e.SKETCHBOARD_SCORER_STOP_GRACE_SECONDS,
      embedded: e.SKETCHBOARD_EMBEDDED_SCORER,
      predictionCache: e.SKETCHBOARD_PREDICTION_CACHE,
    },
    blobs:
      e.SKETCHBOARD_BLOB_BACKEND === 's3' && e.SKETCHBOARD_S3_BUCKET
        ? {
            backend: 's3',
            bucket: e.SKETCHBOARD_S3_BUCKET,
            region: e.SKETCHBOARD_S3_REGION,
            endpoint: e.SKETCHBOARD_S3_ENDPOINT,
            prefix: e.SKETCHBOARD_S3_PREFIX ? `${e.SKETCHBOARD_S3_PREFIX.replace(/\/$/, '')}/` : '',
            forcePathStyle: e.SKETCHBOARD_S3_FORCE_PATH_STYLE,
          }
        : { backend: 'local' },
  };
}

/** Where the local blob store keeps bundles and outputs. */
export function blobDir(env: Pick<Env, 'dataDir'>): string {
  return join(env.dataDir, 'blobs');
}

const HOST_TOKEN_FILE = 'host-token';

/**
 * The host token: the environment's if set, else (embedded mode) the one stored in the data folder,
 * generated and stored (mode 0600) on first start. `generated` tells the caller to print it.
 *
 * @example
 * const { token, generated } = await ensureHostToken(env);
 * if (generated) console.log(`host token: ${token}`);
 */
export async function ensureHostToken(
  env: Pick<Env, 'hostToken' | 'dataDir'>,
): Promise<{ token: string; generated: boolean }> {
  if (env.hostToken) return { token: env.hostToken, generated: false };
  const file = join(env.dataDir, HOST_TOKEN_FILE);
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 16) return { token: existing.trim(), generated: false };
  await mkdir(env.dataDir, { recursive: true });
  const token = `sbh_${randomBytes(32).toString('base64url')}`;
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return { token, generated: true };
}
