// The source pane of a report page for documents that are not PDFs: text documents line by line, HTML and
// Word documents as the blocks the extractor saw, every cell and line addressable for highlighting.
import { decodeBytes } from "../extractors/charset.js";
import { extract } from "../extractors/index.js";
import type { Block, GridCell } from "../model/document.js";
import { normalizeText } from "../normalize/text.js";
import { html, type Safe } from "./html.js";
import type { DocumentBytes } from "./queries.js";

/** Text lines, numbered from 1 as the text extractor numbers them. */
function textSource(bytes: Buffer, charset: string | null): Safe {
  const text = normalizeText(decodeBytes(bytes, charset ?? undefined).text);
  return html`<ol class="lines">${text
    .split("\n")
    .map((l, i) => html`<li data-line="${i + 1}">${l || "\u00a0"}</li>`)}</ol>`;
}

function cellAttrs(table: number | undefined, c: GridCell, r: number, col: number): Safe {
  return html`data-t="${table ?? ""}" data-r="${r}" data-c="${col}"${
    c.colspan > 1 ? html` colspan="${c.colspan}"` : ""
  }${c.rowspan > 1 ? html` rowspan="${c.rowspan}"` : ""}`;
}

/** Blocks of an HTML or Word document: paragraphs, and tables at their grid positions. */
function blocksSource(blocks: Block[]): Safe {
  return html`<div class="blocks">${blocks.map((b) => {
    if (b.kind === "text") return html`<p>${b.text}</p>`;
    const t = b.pos.table;
    return html`<table class="src" data-t="${t ?? ""}">${b.rows.map(
      (row, r) =>
        // Spanned copies are left out: the printed cell carries colspan and rowspan.
        html`<tr>${row.map((c, col) => (c.origin ? html`<td ${cellAttrs(t, c, r, col)}>${c.text}</td>` : ""))}</tr>`,
    )}</table>`;
  })}</div>`;
}

const cache = new Map<number, Safe>();
const CACHE_SIZE = 16;

/** The source pane's markup for a document, or why there is none. */
export async function sourceView(documentId: number, doc: DocumentBytes | undefined): Promise<Safe> {
  if (!doc)
    return html`<p class="note">The original document is not available (no kept copy under the database's data folder, and its origin file is gone).</p>`;
  const hit = cache.get(documentId);
  if (hit) return hit;
  let out: Safe;
  if (doc.form === "text") out = textSource(doc.bytes, doc.charset);
  else if (doc.form === "html" || doc.form === "docx") {
    try {
      out = blocksSource(
        (await extract(new Uint8Array(doc.bytes), { httpCharset: doc.charset ?? undefined })).model.blocks,
      );
    } catch (e) {
      out = html`<p class="note">The document could not be read again: ${(e as Error).message}</p>`;
    }
  } else out = html`<p class="note">No source view for ${doc.form} documents; download the original.</p>`;
  cache.set(documentId, out);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return out;
}
