// Bundles: record a validated, stored bundle for a team (content-addressed, idempotent) and look it up.
import { and, desc, eq } from 'drizzle-orm';
import type { FileDigest } from '../../core/bundle/digest.js';
import type { Manifest } from '../../core/bundle/manifest.js';
import { bundles, competitions, teams } from '../db/schema.js';
import { isUuid, nowOf, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { type BundleView, toBundleView } from './views.js';

/** A bundle the HTTP layer has streamed to disk, validated, and put in the blob store. */
export type NewBundle = {
  teamId: string;
  sha256: string;
  sizeBytes: number;
  manifest: Manifest;
  /** Every file of the bundle (path, bytes, sha256), as the bundle check digested them. */
  files: FileDigest[];
  /** Where the archive is in the blob store (`bundleKey(sha256)`). */
  blobKey: string;
};

/**
 * Records a bundle for a team. The same archive uploaded twice by a team yields the same bundle
 * (`created: false`). `invalid_bundle` when the manifest's class count is not the competition's.
 *
 * @example
 * await blobs.putFile(bundleKey(sha256), tmpZip);
 * const { bundle } = await recordBundle(ctx, { teamId, sha256, sizeBytes, manifest, files, blobKey: bundleKey(sha256) });
 */
export async function recordBundle(
  ctx: ServiceContext,
  input: NewBundle,
): Promise<{ bundle: BundleView; created: boolean }> {
  if (!/^[0-9a-f]{64}$/.test(input.sha256))
    throw new ServiceError('invalid_argument', 'sha256: 64 lower-case hex');
  if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0) {
    throw new ServiceError('invalid_argument', 'sizeBytes: a non-negative integer');
  }
  const [team] = await ctx.db
    .select({ id: teams.id, competitionId: teams.competitionId, classes: competitions.classes })
    .from(teams)
    .innerJoin(competitions, eq(competitions.id, teams.competitionId))
    .where(eq(teams.id, input.teamId));
  if (!team) throw new ServiceError('not_found', 'no such team');
  if (input.manifest.classes !== team.classes) {
    throw new ServiceError(
      'invalid_bundle',
      `the bundle predicts ${input.manifest.classes} classes; this competition has ${team.classes}`,
    );
  }
  const inserted = await ctx.db
    .insert(bundles)
    .values({
      competitionId: team.competitionId,
      teamId: team.id,
      sha256: input.sha256,
      sizeBytes: input.sizeBytes,
      manifest: input.manifest,
      files: input.files,
      blobKey: input.blobKey,
      createdAt: nowOf(ctx),
    })
    .onConflictDoNothing({ target: [bundles.teamId, bundles.sha256] })
    .returning();
  if (inserted.length === 1) return { bundle: toBundleView(inserted[0]), created: true };
  const existing = await findBundleBySha(ctx, team.id, input.sha256);
  if (!existing) throw new Error(`bundle ${input.sha256} of team ${team.id} vanished after a conflict`);
  return { bundle: existing, created: false };
}

/**
 * The team's bundle with these bytes (one lookup on the unique (team, sha256) index), or null.
 *
 * @example
 * const existing = await findBundleBySha(ctx, team.id, upload.sha256); // skip validation when found
 */
export async function findBundleBySha(
  ctx: Pick<ServiceContext, 'db'>,
  teamId: string,
  sha256: string,
): Promise<BundleView | null> {
  if (!isUuid(teamId) || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  const [row] = await ctx.db
    .select()
    .from(bundles)
    .where(and(eq(bundles.teamId, teamId), eq(bundles.sha256, sha256)))
    .limit(1);
  return row ? toBundleView(row) : null;
}

/**
 * A team's bundle by id; `not_found` when missing or another team's.
 *
 * @example
 * const bundle = await getBundle(ctx, team.id, bundleId);
 */
export async function getBundle(ctx: ServiceContext, teamId: string, bundleId: string): Promise<BundleView> {
  const row = isUuid(bundleId)
    ? (
        await ctx.db
          .select()
          .from(bundles)
          .where(and(eq(bundles.id, bundleId), eq(bundles.teamId, teamId)))
      )[0]
    : undefined;
  if (!row) throw new ServiceError('not_found', `no bundle ${bundleId}`);
  return toBundleView(row);
}

/**
 * A team's bundles, newest first.
 *
 * @example
 * const mine = await listBundles(ctx, team.id);
 */
export async function listBundles(ctx: ServiceContext, teamId: string): Promise<BundleView[]> {
  const rows = await ctx.db
    .select()
    .from(bundles)
    .where(eq(bundles.teamId, teamId))
    .orderBy(desc(bundles.createdAt));
  return rows.map(toBundleView);
}
