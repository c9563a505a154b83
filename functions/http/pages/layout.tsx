// The pages' shell: one inline stylesheet (no outside assets), header with the session, security headers, error page.
import { createHash } from 'node:crypto';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppContext } from '../context.js';

const CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
header{background:#1d2a3a;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
header a{color:#fff;font-weight:700;text-decoration:none;margin-right:auto}
header form{display:inline}
main{max-width:1040px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:8px 0}h2{font-size:1.2rem;margin:20px 0 8px}
a{color:#1f5fa8}
.muted{color:#5b6570;font-size:.9rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border:1px solid #dde1e6;border-radius:8px}
table{border-collapse:collapse;width:100%;min-width:560px}
caption{text-align:left;padding:8px 10px;font-weight:600}
th,td{padding:8px 10px;border-top:1px solid #eceff2;text-align:left;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;min-width:140px}
thead th{background:#f0f2f5;font-size:.85rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.tabs{display:flex;gap:4px;margin:12px 0 0;padding:0;list-style:none}
.tabs a{display:block;padding:8px 14px;border:1px solid #dde1e6;border-bottom:0;border-radius:8px 8px 0 0;
background:#e9ecf0;text-decoration:none}
.tabs a[aria-current=page]{background:#fff;font-weight:700;color:#1d232b}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;background:#e2e6ea}
.open,.scored{background:#d5f0dc;color:#1b5e2b}.upcoming,.queued,.running{background:#fff1cc;color:#7a5600}
.ended{background:#e2e6ea}.failed{background:#fbd9d9;color:#8a1c1c}
.up{color:#1b7a36;font-weight:700}.down{color:#b3261e;font-weight:700}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 16px;margin:12px 0}
.error{border-color:#e8a3a3;background:#fff4f4}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dt{color:#5b6570}dd{margin:0;word-break:break-all}
label{display:block;font-weight:600;margin-bottom:4px}
input[type=password]{width:100%;max-width:420px;padding:8px;font:inherit;border:1px solid #b9c0c8;border-radius:6px}
button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid #1f5fa8;background:#1f5fa8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f5fa8}
header button{background:transparent;border-color:#fff;color:#fff;padding:2px 10px}
svg{max-width:100%;height:auto;background:#fff}
tr.mine{background:#eef5ff}
.pager{margin:.75rem 0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:600px){main{padding:10px}h1{font-size:1.3rem}th,td{padding:6px 8px}}
`;

/** The only source the page's Content-Security-Policy allows: no scripts at all, this one stylesheet. */
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(CSS).digest('base64')}'`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Who the header shows as signed in, and the sign-out form's CSRF token. */
export type HeaderInfo = {
  who: { kind: 'anonymous' } | { kind: 'host' } | { kind: 'team'; name: string };
  csrf: string;
};

/** Props of the page shell. */
export type LayoutProps = {
  title: string;
  header: HeaderInfo;
  /** Reload the page every this many seconds (while a submission is queued or running). */
  refreshSeconds?: number;
  children?: Child;
};

/** The shell every page renders into. */
export function Layout(props: LayoutProps) {
  const { who, csrf } = props.header;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.refreshSeconds !== undefined && (
          <meta http-equiv="refresh" content={String(props.refreshSeconds)} />
        )}
        <title>{`${props.title} · Sketchboard`}</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <a href="/">Sketchboard</a>
          {who.kind !== 'anonymous' && (
            <form method="post" action="/sign-out">
              <span>{who.kind === 'host' ? 'Signed in as host ' : `Signed in as ${who.name} `}</span>
              <input type="hidden" name="csrf" value={csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/**
 * Send a rendered page: `<!doctype html>`, the status, no caching (pages depend on the session) and the
 * security headers (CSP without scripts, no framing, no sniffing, same-origin referrers).
 */
export async function sendPage(
  c: AppContext,
  node: HtmlEscapedString | Promise<HtmlEscapedString>,
  status: ContentfulStatusCode = 200,
) {
  const body = await renderPage(node);
  pageHeaders(c);
  return c.html(body, status);
}

/** A page's whole HTML document. */
export async function renderPage(node: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `<!doctype html>${await node}`;
}

/**
 * The security headers every page carries, and its `Cache-Control` (default `no-store`; a board that
 * anyone may see is cacheable for a few seconds).
 */
export function pageHeaders(c: AppContext, cacheControl = 'no-store'): void {
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', cacheControl);
}

/** Props of the error page. */
export type ErrorPageProps = {
  header: HeaderInfo;
  status: number;
  code: string;
  message: string;
  requestId: string;
  children?: Child;
};

/** A friendly error in the same layout, with the API's error code and the request id to quote. */
export function ErrorPage(props: ErrorPageProps) {
  const heading: Record<number, string> = {
    401: 'Please sign in',
    403: 'Not allowed',
    404: 'Not found',
    409: 'That did not work',
    429: 'Too many requests',
  };
  return (
    <Layout title={heading[props.status] ?? 'Something went wrong'} header={props.header}>
      <h1>{heading[props.status] ?? 'Something went wrong'}</h1>
      <div class="card error" role="alert">
        <p>{props.message}</p>
        <p class="muted">
          Error <code>{props.code}</code> (HTTP {props.status}) · request <code>{props.requestId}</code>
        </p>
      </div>
      {props.children}
      <p>
        <a href="/">All competitions</a>
      </p>
    </Layout>
  );
}
