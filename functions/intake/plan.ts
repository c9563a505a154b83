// Upload plans: which of a bundle's files the server lacks (checked against limits and free disk), and the commit that assembles the bundle from file blobs.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PlanRequest } from '../../core/api/bundles.js';
import type { FileDigest } from '../../core/bundle/digest.js';
import { NameRegistry, unsafeNameReason } from '../../core/bundle/entries.js';
import { bundleIdentity, canonicalIndex } from '../../core/bundle/identity.js';
import { formatBytes } from '../../core/bundle/limits.js';
import { MANIFEST_FILE, type Manifest } from '../../core/bundle/manifest.js';
import { SketchboardError } from '../../core/errors.js';
import { ServiceError } from '../services/errors.js';
import { type BlobStore, fileKey, planKey } from '../storage/blob.js';
import { materializeBundle, writeBundleIndex } from '../storage/bundle-files.js';
import { requireFreeSpace } from './disk.js';

/** A plan as stored (blob `plans/<id>.json`): whose, for which bundle, and every file (manifest first). */
export type StoredPlan = {
  id: string;
  teamId: string;
  competitionId: string;
  /** The bundle identity (core/bundle/identity.ts). */
  sha256: string;
  manifestSha256: string;
  /** Every file of the bundle except manifest.json. */
  files: FileDigest[];
  createdAt: string;
};

/** What planning needs: the store, the limits (one source: env, defaults in core/bundle/limits.ts) and the disk. */
export type PlanDeps = {
  blobs: BlobStore;
  /** Where tus uploads land (its filesystem must hold the missing bytes). */
  uploadDir: string;
  maxFileBytes: number;
  maxBundleBytes: number;
  /** Free bytes on the filesystem of `dir` (fs.statfs by default; tests inject less). */
  freeBytes: (dir: string) => Promise<number>;
};

/** A content the plan lacks; every path with this sha256 shares the one upload. */
export type MissingContent = { sha256: string; bytes: number; paths: string[] };

/** Refuse unsafe, duplicate or reserved paths and sizes over the limits (413), before anything is stored. */
function checkFiles(files: readonly FileDigest[], manifestBytes: number, deps: PlanDeps): number {
  const names = new NameRegistry();
  let total = manifestBytes;
  for (const f of files) {
    const reason =
      unsafeNameReason(f.path) ??
      (f.path.toLowerCase() === MANIFEST_FILE ? 'manifest.json is sent as `manifest`' : null) ??
      names.add(f.path, 'file');
    if (reason)
      throw new ServiceError('invalid_argument', `file ${JSON.stringify(f.path)} refused: ${reason}`);
    if (f.bytes > deps.maxFileBytes) {
      throw new ServiceError(
        'payload_too_large',
        `file ${f.path} is ${formatBytes(f.bytes)}; the limit per file is ${formatBytes(deps.maxFileBytes)}`,
      );
    }
    total += f.bytes;
  }
  if (total > deps.maxBundleBytes) {
    throw new ServiceError(
      'payload_too_large',
      `the bundle is ${formatBytes(total)}; the limit is ${formatBytes(deps.maxBundleBytes)}`,
    );
  }
  return total;
}

/** The contents (by sha256) the store does not have, each with its size and paths. */
async function missingContents(blobs: BlobStore, files: readonly FileDigest[]): Promise<MissingContent[]> {
  const bySha = new Map<string, MissingContent>();
  for (const f of files) {
    const seen = bySha.get(f.sha256);
    if (seen && seen.bytes !== f.bytes) {
      throw new ServiceError(
        'invalid_argument',
        `${seen.paths[0]} and ${f.path} have one sha256 but two sizes`,
      );
    }
    if (seen) seen.paths.push(f.path);
    else bySha.set(f.sha256, { sha256: f.sha256, bytes: f.bytes, paths: [f.path] });
  }
  const all = [...bySha.values()];
  const have = await Promise.all(all.map((m) => blobs.exists(fileKey(m.sha256))));
  return all.filter((_, i) => !have[i]);
}

/**
 * Plan a bundle upload: check paths and limits (413), parse the manifest and check its class count (422),
 * store the manifest bytes as a file blob, find the file contents the store lacks, refuse (507) when their
 * bytes do not fit on the upload disk, and store the plan. `parseManifest` is core's.
 *
 * @example
 * const { plan, missing } = await createPlan(deps, { teamId, competitionId, classes: 10 }, body, parseManifest);
 */
export async function createPlan(
  deps: PlanDeps,
  owner: { teamId: string; competitionId: string; classes: number },
  request: PlanRequest,
  parseManifest: (raw: unknown) => Manifest,
): Promise<{ plan: StoredPlan; missing: MissingContent[]; totalBytes: number }> {
  const manifestBytes = Buffer.from(request.manifest, 'utf8');
  const totalBytes = checkFiles(request.files, manifestBytes.length, deps);
  let raw: unknown;
  try {
    raw = JSON.parse(request.manifest);
  } catch (err) {
    throw new SketchboardError('invalid_manifest', `manifest.json is not JSON: ${(err as Error).message}`);
  }
  const manifest = parseManifest(raw);
  if (manifest.classes !== owner.classes) {
    throw new ServiceError(
      'invalid_bundle',
      `the bundle predicts ${manifest.classes} classes; this competition has ${owner.classes}`,
    );
  }
  const missing = await missingContents(deps.blobs, request.files);
  await requireFreeSpace(
    deps.freeBytes,
    deps.uploadDir,
    missing.reduce((a, m) => a + m.bytes, 0),
  );
  const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
  if (!(await deps.blobs.exists(fileKey(manifestSha256)))) {
    await deps.blobs.putStream(fileKey(manifestSha256), Readable.from([manifestBytes]));
  }
  const index = canonicalIndex(manifestSha256, request.files);
  const plan: StoredPlan = {
    id: randomUUID(),
    teamId: owner.teamId,
    competitionId: owner.competitionId,
    sha256: bundleIdentity(index),
    manifestSha256,
    files: index.files,
    createdAt: new Date().toISOString(),
  };
  await deps.blobs.putStream(planKey(plan.id), Readable.from([Buffer.from(JSON.stringify(plan))]));
  return { plan, missing, totalBytes };
}

/**
 * A team's plan; `not_found` when there is none or it is another team's (so plan ids do not leak).
 *
 * @example
 * const plan = await loadPlan(blobs, planId, team.id);
 */
export async function loadPlan(blobs: BlobStore, planId: string, teamId: string): Promise<StoredPlan> {
  const key = planKey(planId);
  if (!(await blobs.exists(key))) throw new ServiceError('not_found', `no upload plan ${planId}`);
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.getStream(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  const plan = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StoredPlan;
  if (plan.teamId !== teamId) throw new ServiceError('not_found', `no upload plan ${planId}`);
  return plan;
}

/** A committed plan, ready to record: the identity, total size, every file's digest and the index blob key. */
export type AssembledBundle = { sha256: string; sizeBytes: number; files: FileDigest[]; blobKey: string };

/**
 * Commit a plan: every file must be in the store (else 422 naming the files not uploaded, or refused for a
 * wrong size or sha256); the bundle folder is assembled from the blobs in `workDir`, checked by `check`
 * (the same checks as a zip upload), and its file index stored. The folder is removed whatever happens.
 *
 * @example
 * const done = await assemblePlan(blobs, plan, workDir, (dir) => validateBundleFolder(dir, { classes }));
 */
export async function assemblePlan<T>(
  blobs: BlobStore,
  plan: StoredPlan,
  workDir: string,
  check: (dir: string) => Promise<T>,
): Promise<AssembledBundle & { checked: T }> {
  const lacking = await missingContents(blobs, plan.files);
  if (lacking.length > 0) {
    const list = lacking
      .slice(0, 5)
      .map((m) => `${m.paths.join(', ')} (${m.bytes} bytes, sha256 ${m.sha256})`);
    throw new ServiceError(
      'invalid_bundle',
      `${lacking.length} file(s) of the plan are not on the server (not uploaded, or refused because what ` +
        `arrived had another size or sha256): ${list.join('; ')}`,
    );
  }
  await mkdir(workDir, { recursive: true });
  const dir = await mkdtemp(join(workDir, 'sketchboard-bundle-'));
  try {
    const index = canonicalIndex(plan.manifestSha256, plan.files);
    await materializeBundle(blobs, index, dir);
    const checked = await check(dir);
    const blobKey = await writeBundleIndex(blobs, index, workDir);
    const manifestBytes = (await stat(join(dir, MANIFEST_FILE))).size;
    const files = [{ path: MANIFEST_FILE, bytes: manifestBytes, sha256: plan.manifestSha256 }, ...plan.files];
    const sizeBytes = files.reduce((a, f) => a + f.bytes, 0);
    return { sha256: plan.sha256, sizeBytes, files, blobKey, checked };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
