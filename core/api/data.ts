// Data for participants on the wire: the list of downloadable files of a competition and what is withheld.
import { z } from 'zod';
import { slugSchema } from './common.js';

/**
 * The files a competition can offer, in the order they are listed: the training set (train.csv + train/),
 * the test set without labels (test.csv + test/), and a valid submission with placeholder targets.
 */
export const DATA_FILE_NAMES = ['train.zip', 'test.zip', 'sample_submission.csv'] as const;
export const dataFileNameSchema = z.enum(DATA_FILE_NAMES);
/** One of the downloadable files' names. */
export type DataFileName = z.infer<typeof dataFileNameSchema>;

/** `:slug/:file` of the download route (any other file name is 404, not 400: the file does not exist). */
export const dataFileParams = z.strictObject({ slug: slugSchema, file: z.string().min(1).max(100) });

/** One downloadable file: its size and sha256 (also its strong ETag) and where to fetch it. */
export const dataFileJson = z.object({
  name: dataFileNameSchema,
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Path on the server, `/api/competitions/:slug/data/:file` (relative, so it works behind a proxy). */
  url: z.string(),
});
export type ApiDataFile = z.infer<typeof dataFileJson>;

/** A file the competition does not offer, with the reason (e.g. the host keeps the test set on the server). */
export const withheldJson = z.object({ name: dataFileNameSchema, reason: z.string() });
export type ApiWithheld = z.infer<typeof withheldJson>;

/** `GET /api/competitions/:slug/data`. */
export const dataListResponse = z.object({
  files: z.array(dataFileJson),
  withheld: z.array(withheldJson),
});
export type ApiDataList = z.infer<typeof dataListResponse>;

/**
 * The download path of one file of a competition.
 *
 * @example
 * dataFilePath('sketch-demo', 'train.zip'); // '/api/competitions/sketch-demo/data/train.zip'
 */
export function dataFilePath(slug: string, name: DataFileName): string {
  return `/api/competitions/${encodeURIComponent(slug)}/data/${encodeURIComponent(name)}`;
}
