// The tus endpoint of bundle files as OpenAPI routes (the protocol itself is served by @tus/server).
import { z } from '@hono/zod-openapi';
import { slugParams } from '../../../core/api/common.js';
import { apiRoute, errorResponses } from './openapi.js';

const uploadParams = slugParams.extend({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) });
const tusHeader = z.string().describe('tus protocol version, `1.0.0`');

/**
 * The four tus requests the CLI makes (creation, offset, append, termination), documented under `path`.
 *
 * @example
 * const routes = tusRoutes('/api/competitions/{slug}/bundles');
 */
export function tusRoutes(base: string) {
  const common = { tags: ['bundles'] };
  const errors = (...extra: Parameters<typeof errorResponses>) =>
    errorResponses('unauthenticated', 'forbidden', 'not_found', ...extra);
  return {
    create: apiRoute('team', {
      ...common,
      method: 'post',
      path: `${base}/uploads`,
      summary: 'Start a resumable upload of one planned file (tus creation)',
      description:
        'tus 1.0 creation: `Upload-Length` must be the planned size, `Upload-Metadata` must carry `plan` ' +
        "(one of this team's plans) and `sha256` (a file of that plan). Answers 201 with the upload's " +
        '`Location`. 413 above the per-file limit, 507 when the file does not fit on the disk.',
      request: {
        params: slugParams,
        headers: z.object({
          'tus-resumable': tusHeader,
          'upload-length': z.string(),
          'upload-metadata': z.string(),
        }),
      },
      responses: {
        201: { description: 'created; `Location` is the upload URL' },
        ...errors('invalid_argument', 'payload_too_large', 'insufficient_storage'),
      },
    }),
    offset: apiRoute('team', {
      ...common,
      method: 'head',
      path: `${base}/uploads/{uploadId}`,
      summary: "An upload's offset (tus), to resume it",
      request: { params: uploadParams },
      responses: { 200: { description: '`Upload-Offset` and `Upload-Length` headers' }, ...errors() },
    }),
    patch: apiRoute('team', {
      ...common,
      method: 'patch',
      path: `${base}/uploads/{uploadId}`,
      summary: 'Append bytes to an upload (tus)',
      description:
        'Body `application/offset+octet-stream` from `Upload-Offset` (409 when it is not the server’s offset). ' +
        'When the last byte arrives the file is verified: 422 (upload deleted) when its size or sha256 is not ' +
        'the planned one; otherwise it is stored by sha256.',
      request: { params: uploadParams, headers: z.object({ 'upload-offset': z.string() }) },
      responses: { 204: { description: '`Upload-Offset` is the new offset' }, ...errors('invalid_bundle') },
    }),
    remove: apiRoute('team', {
      ...common,
      method: 'delete',
      path: `${base}/uploads/{uploadId}`,
      summary: 'Abandon an upload (tus termination)',
      request: { params: uploadParams },
      responses: { 204: { description: 'removed' }, ...errors() },
    }),
  };
}
