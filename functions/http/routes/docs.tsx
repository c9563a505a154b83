// `GET /docs`: a small browsable API reference rendered on the server from the OpenAPI document (no CDN assets).
import { type ApiApp, apiRoute, documented, type OpenApiDocument } from './openapi.js';

type Json = { [key: string]: unknown };
/** The parts of a generated operation the page shows. */
type Operation = {
  summary: string;
  description?: string;
  tags: string[];
  'x-access': string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Json }[];
  requestBody?: { content: Record<string, { schema?: Json }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Json }> }>;
};

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232b;background:#f7f8fa}
main{max-width:960px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}nav a{margin-right:12px}
section.op{background:#fff;border:1px solid #dde1e6;border-radius:8px;margin:16px 0;padding:12px 16px}
.m{display:inline-block;min-width:48px;font-weight:700;text-transform:uppercase;font-size:12px;padding:2px 6px;
border-radius:4px;color:#fff;text-align:center}.get{background:#2b7a3d}.post{background:#1f5fa8}.put{background:#a86a1f}
code.path{font-size:16px;margin-left:8px}.access{float:right;font-size:12px;color:#59636e}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-top:1px solid #eef0f2;padding:4px 6px;
text-align:left;vertical-align:top}pre{background:#f2f4f6;padding:8px;overflow:auto;font-size:12px;margin:4px 0}
summary{cursor:pointer;color:#1f5fa8}`;

function SchemaBlock(props: { schema?: Json }) {
  if (!props.schema) return null;
  return (
    <details>
      <summary>schema</summary>
      <pre>{JSON.stringify(props.schema, null, 2)}</pre>
    </details>
  );
}

function OperationView(props: { method: string; path: string; op: Operation }) {
  const { method, path, op } = props;
  const parameters = op.parameters ?? [];
  return (
    <section class="op" id={`${method}-${path}`}>
      <span class={`m ${method}`}>{method}</span>
      <code class="path">{path}</code>
      <span class="access">who: {op['x-access']}</span>
      <p>
        <strong>{op.summary}</strong>
        {op.description ? ` — ${op.description}` : ''}
      </p>
      {parameters.length > 0 && (
        <table>
          <tr>
            <th>parameter</th>
            <th>in</th>
            <th>required</th>
            <th>type / description</th>
          </tr>
          {parameters.map((p) => (
            <tr>
              <td>
                <code>{p.name}</code>
              </td>
              <td>{p.in}</td>
              <td>{p.required ? 'yes' : 'no'}</td>
              <td>{p.description ?? JSON.stringify(p.schema ?? {})}</td>
            </tr>
          ))}
        </table>
      )}
      {op.requestBody &&
        Object.entries(op.requestBody.content).map(([type, body]) => (
          <div>
            request body <code>{type}</code>
            <SchemaBlock schema={body.schema} />
          </div>
        ))}
      <table>
        {Object.entries(op.responses).map(([status, r]) => (
          <tr>
            <td>
              <code>{status}</code>
            </td>
            <td>
              {r.description}
              {r.content &&
                Object.entries(r.content).map(([type, c]) => (
                  <div>
                    <code>{type}</code>
                    <SchemaBlock schema={c.schema} />
                  </div>
                ))}
            </td>
          </tr>
        ))}
      </table>
    </section>
  );
}

/** The reference page for the OpenAPI document generated from the route definitions. */
export function DocsPage(props: { document: OpenApiDocument }) {
  const info = props.document.info as { title: string; description: string };
  const paths = (props.document.paths ?? {}) as unknown as Record<string, Record<string, Operation>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method, path, op })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags[0]))];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>{info.title}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <main>
          <h1>{info.title}</h1>
          <p>{info.description}</p>
          <p>
            Machine-readable: <a href="/openapi.json">/openapi.json</a>
          </p>
          <nav>
            {tags.map((t) => (
              <a href={`#tag-${t}`}>{t}</a>
            ))}
          </nav>
          {tags.map((t) => (
            <div id={`tag-${t}`}>
              <h2>{t}</h2>
              {ops
                .filter((o) => o.op.tags[0] === t)
                .map((o) => (
                  <OperationView method={o.method} path={o.path} op={o.op} />
                ))}
            </div>
          ))}
        </main>
      </body>
    </html>
  );
}

export const docsRoute = apiRoute('any', {
  method: 'get',
  path: '/docs',
  summary: 'This reference page',
  tags: ['meta'],
  responses: {
    200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' as const } } } },
  },
});

/** Register `GET /docs`, rendered once (on first use) from the generated OpenAPI document. */
export function registerDocs(app: ApiApp, document: () => OpenApiDocument): void {
  let html: string | undefined;
  app.openapi(documented(app, docsRoute), (c) => {
    html ??= `<!doctype html>${(<DocsPage document={document()} />).toString()}`;
    return c.html(html);
  });
}
