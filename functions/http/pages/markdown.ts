// The host's markdown (description, rules) as safe HTML: marked renders it, raw HTML is escaped, sanitize-html keeps a short tag list.
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** Tags the rendered markdown may keep: text structure, lists, tables, code, links. No images, forms, media or scripts. */
export const MARKDOWN_TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  'del',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
] as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** marked with raw HTML (blocks and inline tags) written out as text: the host writes markdown, never HTML. */
const markdown = new Marked({ gfm: true, breaks: false }).use({
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
  },
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...MARKDOWN_TAGS],
  allowedAttributes: { a: ['href', 'title', 'rel'], ol: ['start'], th: ['align'], td: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Every link leaves the site without a referrer's opener and without our endorsement.
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener nofollow' }) },
};

/**
 * The host's markdown as HTML that is safe to put in a page: rendered by marked (GFM), any raw HTML in it
 * escaped to text, then cleaned by sanitize-html (the tags of {@link MARKDOWN_TAGS}; links only http, https
 * and mailto, relative links kept, each with `rel="noopener nofollow"`; no attributes that run anything).
 *
 * @example
 * renderMarkdown('**Hi** <script>x</script> [me](javascript:alert(1))');
 * // '<p><strong>Hi</strong> &lt;script&gt;x&lt;/script&gt; <a rel="noopener nofollow">me</a></p>\n'
 */
export function renderMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  return sanitizeHtml(html, SANITIZE);
}
