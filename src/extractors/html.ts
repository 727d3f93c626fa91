// HTML extractor: decoded markup → text blocks and span-expanded table grids, page chrome removed.
import {
  type AnyNode,
  type Document,
  DomHandler,
  type Element,
  hasChildren,
  isTag as isElement,
  isText,
} from "domhandler";
import { Parser } from "htmlparser2";
import type { Block, DocumentModel, GridCell, TableBlock } from "../model/document.js";
import { isValueText, normalizeText } from "../normalize/text.js";
import { mapPacked } from "../packed-arrays.js";
import { DocumentError } from "./errors.js";
import { extractText } from "./text.js";

/** Page chrome and non-content elements, skipped while walking (cheaper than removing them by selector). */
const DROP_TAGS = new Set([
  "script",
  "style",
  "noscript",
  "nav",
  "header",
  "footer",
  "select",
  "iframe",
  "object",
  "svg",
  "template",
  "button",
]);
const BLOCK_TAGS = new Set([
  "p",
  "div",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "li",
  "ul",
  "ol",
  "section",
  "article",
  "blockquote",
  "pre",
  "dd",
  "dt",
  "dl",
  "center",
  "address",
  "figure",
  "figcaption",
  "main",
  "aside",
  "hr",
  "caption",
]);

/**
 * Report pages sometimes carry the article as an escaped string inside a script
 * (`var content = "<table class=\"...\">..."`). Returns those strings, unescaped.
 */
export function htmlInScriptStrings(source: string): string[] {
  const out: string[] = [];
  for (const lit of longStringLiterals(source, 200)) {
    const body = source.slice(lit.start, lit.end);
    if (!/<(?:table|p|div|tr|td)\b/i.test(body) && !/\\u003c(?:table|p|td)/i.test(body)) continue;
    try {
      const asJson = lit.quote === '"' ? body : body.replace(/\\'/g, "'").replace(/"/g, '\\"');
      out.push(JSON.parse(`"${asJson}"`) as string);
    } catch {
      out.push(
        body
          .replace(/\\(["'/\\])/g, "$1")
          .replace(/\\n/g, "\n")
          .replace(/\\t/g, "\t"),
      );
    }
  }
  return out;
}

/**
 * Quoted string literals of at least `min` characters (an escape counts as one) on one line, found in
 * one pass like a tokenizer: a literal that ends at a line break is skipped from there, never rescanned
 * from each quote inside it (which a regular expression does, in quadratic time).
 */
function longStringLiterals(source: string, min: number): { quote: string; start: number; end: number }[] {
  const out: { quote: string; start: number; end: number }[] = [];
  let i = 0;
  // The next of each quote at or after i, searched again only once passed: one pass over the source.
  let double = -1;
  let single = -1;
  while (i < source.length) {
    if (double !== Number.POSITIVE_INFINITY && double < i) double = source.indexOf('"', i);
    if (double < 0) double = Number.POSITIVE_INFINITY;
    if (single !== Number.POSITIVE_INFINITY && single < i) single = source.indexOf("'", i);
    if (single < 0) single = Number.POSITIVE_INFINITY;
    const open = Math.min(double, single);
    if (open === Number.POSITIVE_INFINITY) break;
    const quote = source[open];
    let j = open + 1;
    let length = 0;
    let closed = false;
    while (j < source.length) {
      const c = source[j];
      if (c === quote) {
        closed = true;
        break;
      }
      if (c === "\n") break;
      if (c === "\\") {
        const next = source[j + 1];
        if (next === undefined || next === "\n" || next === "\r" || next === "\u2028" || next === "\u2029")
          break;
        j += 2;
      } else j++;
      length++;
    }
    if (closed && length >= min) out.push({ quote, start: open + 1, end: j });
    i = closed ? j + 1 : j;
  }
  return out;
}

function cellText(el: Element): string {
  // Most cells hold one text node on one line (a number, a short label): no walk needed.
  const only = el.children.length === 1 ? el.children[0] : undefined;
  if (only?.type === "text") {
    const t = normalizeText((only as unknown as { data: string }).data);
    if (!t.includes("\n")) return t.replace(/\s+/g, " ").trim();
  }
  // <br> and block children separate lines inside a cell; label wraps are rejoined downstream.
  // Walked with a stack, not recursion: a cell may hold markup nested deeper than the call stack.
  const parts: string[] = [];
  const stack: (AnyNode | typeof BLOCK_END)[] = [...el.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === BLOCK_END) {
      parts.push("\n");
      continue;
    }
    if (node.type === "text") parts.push((node as unknown as { data: string }).data);
    else if (node.type === "tag") {
      const tag = (node as Element).name; // lower case: the parser lowers every tag name (PARSE)
      if (DROP_TAGS.has(tag)) continue;
      if (tag === "br") parts.push("\n");
      const isBlock = BLOCK_TAGS.has(tag);
      if (isBlock) {
        parts.push("\n");
        stack.push(BLOCK_END);
      }
      pushChildren(stack, node as Element);
    }
  }
  return normalizeText(parts.join(""))
    .split("\n")
    .map((l) => l.replace(/\s+/g, " ").trim())
    .filter((l) => l !== "")
    .join("\n");
}

/** Marks the end of a block element's children in the explicit-stack walks. */
const BLOCK_END = Symbol("block end");

/** Pushes an element's children so that they pop in document order. */
function pushChildren<T>(stack: (AnyNode | T)[], el: Element | Document): void {
  for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]);
}

/** Expands colspan/rowspan into a grid. Every grid position gets a cell; copies have origin=false. */
const isTag = (n: AnyNode, name: string, or?: string, orElse?: string): boolean => {
  // Three names at most, without a rest array: this runs for every child of every table.
  if (n.type !== "tag") return false;
  const tag = (n as Element).name; // lower case (PARSE)
  return tag === name || tag === or || tag === orElse;
};

/** The rows of a table itself (inside thead/tbody/tfoot or directly), not those of nested tables. */
function ownRows(table: Element): Element[] {
  const out: Element[] = [];
  for (const child of table.children) {
    if (isTag(child, "tr")) out.push(child as Element);
    else if (isTag(child, "thead", "tbody", "tfoot")) {
      for (const tr of (child as Element).children) if (isTag(tr, "tr")) out.push(tr as Element);
    }
  }
  return out;
}

/**
 * The elements that hold a table below them, found in one pass up from every table (each node is
 * visited once, so a deeply nested page costs linear time, not depth × size).
 */
function elementsAboveTables(roots: AnyNode[]): Set<AnyNode> {
  const marked = new Set<AnyNode>();
  forEachNode(roots, (n) => {
    if (!isTag(n, "table")) return;
    for (let p = n.parent; p && !marked.has(p); p = p.parent) marked.add(p);
  });
  return marked;
}

/** Visits every node under the roots in document order, with a stack rather than recursion; `true` stops. */
function forEachNode(roots: AnyNode[], visit: (n: AnyNode) => unknown): void {
  const stack: AnyNode[] = [...roots].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (visit(n) === true) return;
    if (hasChildren(n)) pushChildren(stack, n as Element);
  }
}

/** Most grid positions one table may expand to; spans beyond it are a damaged or hostile page. */
const MAX_GRID_CELLS = 200_000;

function spanAttr(el: Element, name: string, max: number): number {
  return Math.max(1, Math.min(max, Number.parseInt(el.attribs[name] ?? "1", 10) || 1));
}

/** Expands colspan/rowspan into a grid. Every grid position gets a cell; copies have origin=false. */
function expandTable(table: Element, tableIndex: number): TableBlock {
  const rows: GridCell[][] = [];
  // Plain DOM walking: cheerio wrappers per row and cell cost more than the parse on bulk imports.
  const trs = ownRows(table);
  let positions = 0;
  trs.forEach((tr, r) => {
    rows[r] ??= [];
    let c = 0;
    for (const td of (tr as Element).children) {
      if (!isTag(td, "td", "th")) continue;
      const cell = td as Element;
      while (rows[r][c]) c++;
      const colspan = spanAttr(cell, "colspan", 50);
      const rowspan = spanAttr(cell, "rowspan", 200);
      const text = cellText(cell);
      positions += colspan * Math.min(rowspan, trs.length - r);
      if (positions > MAX_GRID_CELLS)
        throw new DocumentError(
          "table_too_large",
          `a table expands to more than ${MAX_GRID_CELLS} cells (rowspan/colspan); not a report table`,
        );
      for (let dr = 0; dr < rowspan; dr++) {
        if (dr > 0 && r + dr >= trs.length) break;
        rows[r + dr] ??= [];
        for (let dc = 0; dc < colspan; dc++) {
          rows[r + dr][c + dc] = {
            text,
            origin: dr === 0 && dc === 0,
            originRow: r,
            originCol: c,
            colspan,
            rowspan,
            pos: { table: tableIndex, row: r + dr, col: c + dc },
          };
        }
      }
      c += colspan;
    }
  });
  // Holes left by malformed spans become empty non-origin cells so that rows stay indexable.
  // (A loop, not Array.from over an array-like: that takes V8's generic path, per grid cell.)
  const grid = mapPacked(rows, (row, r) => {
    const cells: GridCell[] = [];
    for (let c = 0; c < row.length; c++) {
      cells.push(
        row[c] ?? {
          text: "",
          origin: false,
          originRow: r,
          originCol: c,
          colspan: 1,
          rowspan: 1,
          pos: { table: tableIndex, row: r, col: c },
        },
      );
    }
    return cells;
  });
  return { kind: "table", rows: grid, spans: "known", pos: { table: tableIndex } };
}

/**
 * Walks the DOM in reading order, turning flow content into text blocks and data tables into grids.
 * `nestedTables`: whether the page has a table inside another (found while parsing); without one, no
 * table is page layout and the walk up from every table is skipped.
 */
function linearize(root: AnyNode[], blocks: Block[], counter: { table: number }, nestedTables: boolean) {
  let buf = "";
  const flush = () => {
    if (buf === "") return; // most block boundaries follow another: nothing to split
    const text = normalizeText(buf)
      .replace(/[ \t]+/g, " ")
      .trim();
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (t) blocks.push({ kind: "text", text: t, pos: {} });
    }
    buf = "";
  };
  // Walked with a stack, not recursion: pages nest deeper than the call stack allows.
  const aboveTables = nestedTables ? elementsAboveTables(root) : new Set<AnyNode>();
  const emptyCells = new EmptyCellParagraphs();
  const stack: (AnyNode | typeof BLOCK_END)[] = [...root].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === BLOCK_END) {
      flush();
      continue;
    }
    if (node.type === "text") {
      buf += (node as unknown as { data: string }).data.replace(/\s+/g, " ");
      continue;
    }
    if (node.type !== "tag") continue;
    const el = node as Element;
    const tag = el.name; // lower case (PARSE)
    if (DROP_TAGS.has(tag)) continue;
    if (tag === "table") {
      flush();
      // A table holding other tables is page layout: read its cells as flow content.
      if (aboveTables.has(el)) {
        stack.push(BLOCK_END);
        pushChildren(stack, el);
      } else {
        const t = expandTable(el, counter.table++);
        if (t.rows.length > 0) blocks.push(t);
      }
      continue;
    }
    if (tag === "br") {
      buf += "\n";
      continue;
    }
    const isBlock = BLOCK_TAGS.has(tag) || tag === "tr" || tag === "td" || tag === "th" || tag === "tbody";
    if (
      isBlock &&
      (tag === "p" || tag === "td" || tag === "th") &&
      (isNbspOnly(el) || (tag === "p" && isEmptyParagraph(el) && emptyCells.of(el)))
    ) {
      // `<p>&nbsp;</p>`: a paragraph-per-cell table marks an empty cell this way; it is a blank cell. So
      // is an empty `<p></p>` among such cells (emptyCellParagraphs).
      flush();
      blocks.push({ kind: "text", text: "", explicitBlank: true, pos: {} });
      continue;
    }
    if (isBlock) {
      flush();
      stack.push(BLOCK_END);
    }
    pushChildren(stack, el);
  }
  flush();
}

/**
 * A paragraph without any text but whitespace (String.trim counts a no-break space as one) and without
 * an image: checked first, so only these cost more.
 */
function isEmptyParagraph(el: Element): boolean {
  let content = false;
  forEachNode(el.children, (node) => {
    content = isText(node)
      ? node.data.trim() !== ""
      : isElement(node) && ["img", "table", "input"].includes(node.name);
    return content;
  });
  return !content;
}

type ParagraphKind = "value" | "blank" | "empty" | "label" | "other";

/** What a paragraph holds, as a cell of a paragraph-per-cell table would. */
function paragraphKind(el: Element): ParagraphKind {
  if (isNbspOnly(el)) return "blank";
  // No text but whitespace (no-break spaces included) and no image: a blank cell if it holds &nbsp;.
  if (isEmptyParagraph(el)) return /\u00a0/.test(textContent(el)) ? "blank" : "empty";
  const text = normalizeText(textContent(el)).replace(/\s+/g, " ").trim();
  if (isValueText(text)) return "value";
  return text.length <= 40 && !/[。；;]/.test(text) ? "label" : "other";
}

/**
 * Empty `<p></p>` (no `&nbsp;`) that are cells of a table flattened to one paragraph per cell (Word's
 * "save as web page" of a table, a portal editor's paste): among sibling paragraphs that hold at least
 * three values, an empty paragraph between a value and a value or label (or a label and a value) is a
 * blank cell. Elsewhere an empty paragraph is spacing and is skipped. Each parent's paragraphs are
 * classified once, when its first empty paragraph is met.
 */
class EmptyCellParagraphs {
  private readonly cells = new Map<AnyNode, Set<Element>>();

  of(el: Element): boolean {
    const parent = el.parent;
    if (!parent || !hasChildren(parent)) return false;
    let set = this.cells.get(parent);
    if (!set) {
      set = emptyCellParagraphs(parent.children.filter((n): n is Element => isTag(n, "p")));
      this.cells.set(parent, set);
    }
    return set.has(el);
  }
}

function emptyCellParagraphs(paragraphs: Element[]): Set<Element> {
  const out = new Set<Element>();
  const kinds = paragraphs.map(paragraphKind);
  if (kinds.filter((k) => k === "value").length < 3) return out;
  const filled = (k: ParagraphKind | undefined) => k === "value" || k === "label" || k === "other";
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] !== "empty") continue;
    // The run of blank and empty cells this one is in, and the filled paragraphs around it.
    let before = i - 1;
    while (before >= 0 && !filled(kinds[before])) before--;
    let after = i + 1;
    while (after < kinds.length && !filled(kinds[after])) after++;
    const a = kinds[before];
    const b = kinds[after];
    const cellLike = (x: ParagraphKind | undefined) => x === "value" || x === "label";
    // Beside a value it is a cell; between two labels only as part of a run (a row left all blank),
    // since one empty paragraph between two labels is spacing.
    if (cellLike(a) && cellLike(b) && (a === "value" || b === "value" || after - before > 2)) {
      for (let j = before + 1; j < after; j++) if (kinds[j] === "empty") out.add(paragraphs[j]);
    }
    i = after - 1;
  }
  return out;
}

/** An element whose only content is whitespace with at least one no-break space (`&nbsp;`). */
function isNbspOnly(el: Element): boolean {
  let nbsp = false;
  let only = true;
  forEachNode(el.children, (node) => {
    if (isText(node)) {
      if (!/^[\s\u00a0]*$/.test(node.data)) only = false;
      else if (node.data.includes("\u00a0")) nbsp = true;
    } else if (isElement(node) && (node.name === "img" || node.name === "table" || node.name === "input"))
      only = false;
    return !only; // stops at the first content
  });
  return only && nbsp;
}

/**
 * htmlparser2 in HTML mode, called directly: several times faster than the spec parser on bulk imports,
 * forgiving of the unclosed tags portals emit, and (without cheerio's wrapper around it, which cost
 * three times the parse) about 0.3 ms for a report page. Entities are decoded (&nbsp; becomes U+00A0).
 */
const PARSE = { xmlMode: false, decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true };

/**
 * Deepest element nesting read. Browsers stop nesting at 512; htmlparser2 keeps its open elements in an
 * array it shifts at the front, so each level deeper costs every later tag more (100,000 levels took
 * minutes). A page nested deeper fails at once with `too_deep`.
 */
export const MAX_HTML_DEPTH = 1000;

/**
 * The DOM handler, refusing elements nested deeper than MAX_HTML_DEPTH; notes whether a table opens
 * inside another (an element's ancestors are the elements open when it opens).
 */
class DepthLimitedHandler extends DomHandler {
  private openTables = 0;
  nestedTables = false;

  override onopentag(name: string, attribs: Record<string, string>): void {
    if (this.tagStack.length > MAX_HTML_DEPTH) {
      throw new DocumentError(
        "too_deep",
        `HTML elements are nested more than ${MAX_HTML_DEPTH} levels deep (at <${name.slice(0, 20)}>); not read`,
      );
    }
    super.onopentag(name, attribs);
    if (name === "table") {
      if (this.openTables > 0) this.nestedTables = true;
      this.openTables++;
    }
  }

  override onclosetag(): void {
    // DomHandler closes the element on top of its stack, whatever name the closing tag had.
    const closing = this.tagStack[this.tagStack.length - 1];
    super.onclosetag();
    if (isElement(closing) && closing.name === "table") this.openTables--;
  }
}

/** The attributes the extractor reads (expandTable); a tag's other attributes are not kept. */
const KEPT_ATTRIBUTES = new Set(["colspan", "rowspan"]);

/**
 * htmlparser2's parser keeping only KEPT_ATTRIBUTES: the styles, classes and ids portals print on every
 * cell are neither copied out of the page, decoded, nor stored on their elements (a tenth of the parse).
 * The tree is the same; a kept attribute is read exactly as before (first occurrence, entities decoded).
 */
class SpanAttributesParser extends Parser {
  private keepAttribute = false;

  override onattribname(start: number, endIndex: number): void {
    super.onattribname(start, endIndex);
    this.keepAttribute = KEPT_ATTRIBUTES.has((this as unknown as { attribname: string }).attribname);
  }

  override onattribdata(start: number, endIndex: number): void {
    if (this.keepAttribute) super.onattribdata(start, endIndex);
  }

  override onattribentity(cp: number): void {
    if (this.keepAttribute) super.onattribentity(cp);
  }

  override onattribend(quote: Parameters<Parser["onattribend"]>[0], endIndex: number): void {
    if (this.keepAttribute) super.onattribend(quote, endIndex);
    else this.endIndex = endIndex;
  }
}

/** htmlparser2's parseDocument with the nesting limit, and whether a table holds another. */
export function parseDocument(
  html: string,
  options: typeof PARSE = PARSE,
): { doc: Document; nestedTables: boolean } {
  const handler = new DepthLimitedHandler(undefined, options);
  new SpanAttributesParser(handler, options).end(html);
  return { doc: handler.root, nestedTables: handler.nestedTables };
}

/** The first element with this tag name, in document order. */
function firstElement(nodes: AnyNode[], name: string): Element | undefined {
  let found: Element | undefined;
  forEachNode(nodes, (n) => {
    if (isElement(n) && n.name === name) found = n;
    return found !== undefined;
  });
  return found;
}

/** All text inside a node, as the browser's textContent. */
function textContent(node: AnyNode): string {
  const parts: string[] = [];
  forEachNode([node], (n) => {
    if (isText(n)) parts.push(n.data);
  });
  return parts.join("");
}

/** The page's content: the children of <body>, or of the whole document without one. */
const contentOf = (doc: Document): AnyNode[] => (firstElement(doc.children, "body") ?? doc).children;

export function extractHtml(html: string): DocumentModel {
  const { doc, nestedTables } = parseDocument(html, PARSE);
  const titleEl = firstElement(doc.children, "title");
  const title = titleEl ? normalizeText(textContent(titleEl)).trim() || undefined : undefined;
  const blocks: Block[] = [];
  const counter = { table: 0 };
  linearize(contentOf(doc), blocks, counter, nestedTables);
  const hasTables = blocks.some((b) => b.kind === "table");
  // Script-embedded articles are read when the page itself shows no tables (the usual CMS case).
  if (!hasTables) {
    for (const fragment of htmlInScriptStrings(html)) {
      const parsed = parseDocument(fragment, PARSE);
      linearize(contentOf(parsed.doc), blocks, counter, parsed.nestedTables);
    }
  }
  // A page that carries its tables as pipe-text lines (`<p>| 规章 | 0 |</p>`, copied from another
  // site) is read the way a text dump is, so the pipe dialects give rows.
  const texts = blocks.filter((b) => b.kind === "text");
  if (!blocks.some((b) => b.kind === "table") && texts.filter((b) => b.text.includes("|")).length >= 8) {
    return {
      form: "html",
      title,
      blocks: extractText(texts.map((b) => b.text).join("\n")).blocks,
      warnings: [],
    };
  }
  return { form: "html", title, blocks, warnings: [] };
}
