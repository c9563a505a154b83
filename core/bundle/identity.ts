// The identity of a bundle sent file by file: one sha256 over its manifest's hash and its sorted file list.
import { createHash } from 'node:crypto';
import type { FileDigest } from './digest.js';

/**
 * What a bundle uploaded file by file is: the sha256 of its `manifest.json` bytes and every other file
 * (path, bytes, sha256). The server keeps it as the bundle's file index; the scorer rebuilds the folder from it.
 */
export type BundleIndex = { version: 1; manifest: string; files: FileDigest[] };

/** The index with its files sorted by path (code-unit order), the order the identity hashes them in. */
export function canonicalIndex(manifestSha256: string, files: readonly FileDigest[]): BundleIndex {
  const sorted = [...files]
    .map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { version: 1, manifest: manifestSha256, files: sorted };
}

/**
 * The bundle's identity sha256: sha256 of the canonical JSON
 * `{"version":1,"manifest":"<sha256 of manifest.json>","files":[{"path":…,"bytes":…,"sha256":…},…]}`
 * (files sorted by path, keys in that order, no spaces). The same files give the same identity whatever
 * order they were listed or uploaded in; it differs from the sha256 of any zip of them.
 *
 * @example
 * const sha = bundleIdentity(canonicalIndex(manifestSha, [{ path: 'model.onnx', bytes: 912, sha256: '…' }]));
 */
export function bundleIdentity(index: BundleIndex): string {
  const canonical = canonicalIndex(index.manifest, index.files);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
