// Bundles on the wire: the upload's media types and the stored bundle.
import { z } from 'zod';
import { isoDate } from './common.js';

/** Media types accepted for a raw bundle body. */
export const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'] as const;

/** The multipart form of an upload: the zip in the file field `bundle` (documentation only; streamed). */
export const bundleMultipart = z.strictObject({
  bundle: z.string().describe('the zip (binary file part)'),
});

/** A bundle as the API shows it. */
export const bundleJson = z.object({
  id: z.uuid(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int(),
  name: z.string().describe("the manifest's name"),
  manifest: z.record(z.string(), z.unknown()).describe('the validated manifest.json'),
  createdAt: isoDate,
});
export type ApiBundle = z.infer<typeof bundleJson>;

/** An upload's answer; `created` is false when the team had uploaded the same bytes before. */
export const bundleResponse = z.object({
  bundle: bundleJson,
  created: z.boolean().describe('false when this team had already uploaded the same bytes'),
});
export type UploadedBundle = z.infer<typeof bundleResponse>;
