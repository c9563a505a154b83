// Reading a paginated list whole: every submission of a team, a page of the server's maximum at a time.
import { type ApiSubmission, SUBMISSION_PAGE } from '../api/index.js';
import type { SketchboardClient } from './client.js';

/**
 * Every submission of the client's team in `slug`, newest first, read SUBMISSION_PAGE.maxLimit (200) at a
 * time until the total is reached. A submission made meanwhile shifts later pages by one: ids already seen
 * are skipped, so nothing is listed twice.
 *
 * @example
 * const mine = await allSubmissions(client, 'sketch-demo');
 * const finals = mine.filter((s) => s.selectedFinal);
 */
export async function allSubmissions(client: SketchboardClient, slug: string): Promise<ApiSubmission[]> {
  const limit = SUBMISSION_PAGE.maxLimit;
  const seen = new Map<string, ApiSubmission>();
  for (let offset = 0; ; offset += limit) {
    const page = await client.submissions(slug, { limit, offset });
    for (const s of page.submissions) if (!seen.has(s.id)) seen.set(s.id, s);
    if (page.submissions.length < limit || offset + limit >= page.total) return [...seen.values()];
  }
}
