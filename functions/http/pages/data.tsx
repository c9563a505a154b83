// `GET /c/:slug/data`: the competition's files for participants (size, sha256, download link) and what is withheld.
import type { Hono } from 'hono';
import { dataFilePath } from '../../../core/api/data.js';
import { formatBytes } from '../../../core/bundle/limits.js';
import { type DataContext, type DataListing, listDataFiles } from '../../services/data-files.js';
import { type CompetitionView, getCompetition } from '../../services/index.js';
import type { AppEnv } from '../context.js';
import { headerOf, type PageDeps } from './auth.js';
import { CompetitionTabs } from './competition-tabs.js';
import { type HeaderInfo, Layout, sendPage } from './layout.js';
import { readSession } from './session.js';

/** What each file is, in a participant's words. */
const WHAT: Record<string, string> = {
  'train.zip': 'train.csv (class_name,image_path,target) and the training images under train/',
  'test.zip': 'test.csv (ID,image_path) and the test images under test/; no labels',
  'sample_submission.csv': 'a valid prediction file (ID,image_path,target) with placeholder targets',
};

/** Props of the data page. */
export type DataPageProps = { header: HeaderInfo; competition: CompetitionView; listing: DataListing };

/** The files table, the withheld notes, and the CLI command that fetches and unpacks everything. */
export function DataPage(props: DataPageProps) {
  const { competition: c, listing } = props;
  const slug = encodeURIComponent(c.slug);
  return (
    <Layout title={`Data · ${c.title}`} header={props.header}>
      <h1>{c.title}</h1>
      <CompetitionTabs slug={c.slug} current="data" />
      <div class="scroll">
        <table>
          <caption>Files of {c.slug}</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">What</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col">sha256</th>
            </tr>
          </thead>
          <tbody>
            {listing.files.map((f) => (
              <tr>
                <th scope="row">
                  <a href={dataFilePath(c.slug, f.name)} download={f.name}>
                    {f.name}
                  </a>
                </th>
                <td class="wrap">{WHAT[f.name]}</td>
                <td class="num" title={`${f.bytes} bytes`}>
                  {formatBytes(f.bytes)}
                </td>
                <td>
                  <code>{f.sha256}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {listing.withheld.map((w) => (
        <p>
          <strong>{w.name} is not offered:</strong> {w.reason}.
        </p>
      ))}
      <p>
        All at once, resumable, verified and unpacked into the layout <code>sketchboard train</code> and{' '}
        <code>sketchboard predict</code> read:
      </p>
      <pre>
        <code>{`sketchboard download ${c.slug} --out data`}</code>
      </pre>
      <p class="muted">
        Machine-readable: <a href={`/api/competitions/${slug}/data`}>/api/competitions/{c.slug}/data</a>
      </p>
    </Layout>
  );
}

/**
 * Register `GET /c/:slug/data`.
 *
 * @example
 * registerDataPage(web, { ...pageDeps, data: { db, blobs, workDir } });
 */
export function registerDataPage(web: Hono<AppEnv>, deps: PageDeps & { data: DataContext }): void {
  web.get('/c/:slug/data', async (c) => {
    const slug = c.req.param('slug');
    const [session, competition, listing] = await Promise.all([
      readSession(c, deps.services),
      getCompetition(deps.services, slug),
      listDataFiles(deps.data, slug),
    ]);
    return sendPage(c, <DataPage header={headerOf(session)} competition={competition} listing={listing} />);
  });
}
