// DOCX extractor: checks the zip, evens out what mammoth would misread, and feeds mammoth's HTML to the HTML extractor.
import mammoth from "mammoth";
import type { DocumentModel } from "../model/document.js";
import { normalizeText } from "../normalize/text.js";
import { decodeBytes } from "./charset.js";
import { renderListNumbers } from "./docx-numbering.js";
import { DocumentError } from "./errors.js";
import { extractHtml } from "./html.js";
import { openZip, type ZipArchive } from "./zip.js";

/** Ranges [start, end) of the outermost `<tag …>…</tag>` (or `<tag …/>`) elements in `xml`, nesting-aware. */
export function outerElements(xml: string, tag: string, from = 0, to = xml.length): [number, number][] {
  const out: [number, number][] = [];
  const re = new RegExp(`<(/?)${tag.replace(/[.:]/g, "\\$&")}(?=[\\s/>])[^>]*>`, "g");
  re.lastIndex = from;
  let depth = 0;
  let start = -1;
  for (let m = re.exec(xml); m && m.index < to; m = re.exec(xml)) {
    if (m[1] === "/") {
      if (depth > 0 && --depth === 0) out.push([start, m.index + m[0].length]);
    } else if (m[0].endsWith("/>")) {
      if (depth === 0) out.push([m.index, m.index + m[0].length]);
    } else if (depth++ === 0) start = m.index;
  }
  return out;
}

/** Replaces ranges (sorted, non-overlapping) of `xml` by what `f` makes of each. */
function replaceRanges(xml: string, ranges: [number, number][], f: (s: string) => string): string {
  if (ranges.length === 0) return xml;
  let out = "";
  let at = 0;
  for (const [s, e] of ranges) {
    out += xml.slice(at, s) + f(xml.slice(s, e));
    at = e;
  }
  return out + xml.slice(at);
}

/** The text-box contents (`<w:txbxContent>`) of a drawing, as a VML picture mammoth reads. */
function textBoxesAsPict(fragment: string): string {
  const boxes = outerElements(fragment, "w:txbxContent").map(([s, e]) => fragment.slice(s, e));
  return boxes.length ? `<w:pict>${boxes.join("")}</w:pict>` : "";
}

/**
 * Rewrites word/document.xml where mammoth would lose or misplace content:
 * - list numbers (三、 （一） 1.) that Word draws for numbered paragraphs, which mammoth leaves out, are
 *   written into the paragraphs as text (from the numbering and styles parts, when given);
 * - text boxes drawn with DrawingML (`wps:txbx`), which mammoth skips, and those it reads only through a VML
 *   fallback, become one VML picture holding their `w:txbxContent`, so their paragraphs and tables are read
 *   in place (after the paragraph anchoring them);
 * - bookmarks between table rows or cells make mammoth drop every vertical merge of the table: removed;
 * - a row that starts after `w:gridBefore` grid columns gets a spanning empty cell there, so that its cells
 *   and vertical merges stay in their grid columns;
 * - hidden runs (`w:vanish`) are not printed: removed;
 * - formatting mammoth would parse for nothing (run, paragraph, table and section properties, revision
 *   ids) is removed, keeping cell merges and deletion marks: parsing the XML is most of mammoth's time,
 *   and a Word table carries several times more formatting than text.
 */
export function prepareDocumentXml(xml: string, parts: { numbering?: string; styles?: string } = {}): string {
  // Carriage returns inside a run are line breaks to Word; mammoth knows only w:br.
  let s = xml.replace(/<w:bookmark(?:Start|End)\b[^>]*\/>/g, "").replace(/<w:cr\s*\/>/g, "<w:br/>");
  if (parts.numbering) s = renderListNumbers(s, parts.numbering, parts.styles);
  if (s.includes("<w:txbxContent")) s = liftTextBoxes(s);
  if (s.includes("<w:gridBefore")) s = fillGridBefore(s);
  return slim(s);
}

function liftTextBoxes(xml: string): string {
  let s = replaceRanges(xml, outerElements(xml, "mc:AlternateContent"), (alt) => {
    if (!alt.includes("<w:txbxContent")) return alt;
    const [choice] = outerElements(alt, "mc:Choice");
    const [fallback] = outerElements(alt, "mc:Fallback");
    const part = fallback && alt.slice(...fallback).includes("<w:txbxContent") ? fallback : choice;
    return part ? textBoxesAsPict(alt.slice(...part)) : alt;
  });
  const drawings = [
    ...outerElements(s, "w:drawing"),
    ...outerElements(s, "w:pict"),
    ...outerElements(s, "w:object"),
  ].sort((a, b) => a[0] - b[0]);
  // Only outermost ones: a picture inside a text box inside a drawing goes with its drawing.
  const outer: [number, number][] = [];
  for (const r of drawings) if (outer.length === 0 || r[0] >= outer[outer.length - 1][1]) outer.push(r);
  s = replaceRanges(s, outer, (d) => (d.includes("<w:txbxContent") ? textBoxesAsPict(d) : d));
  return s;
}

function fillGridBefore(xml: string): string {
  return xml.replace(/(<w:trPr(?:\s[^/>]*)?>)([\s\S]*?)(<\/w:trPr>)/g, (all, open, body: string, close) => {
    const before = /<w:gridBefore\b[^>]*\bw:val="(\d+)"/.exec(body);
    const n = before ? Number(before[1]) : 0;
    if (!(n > 0)) return all;
    return `${open}${body}${close}<w:tc><w:tcPr><w:gridSpan w:val="${n}"/></w:tcPr><w:p/></w:tc>`;
  });
}

const HIDDEN = /<w:vanish\s*\/>|<w:vanish\s+w:val="(?:1|true|on)"\s*\/>/;

/** Drops hidden runs and the formatting mammoth does not use (see prepareDocumentXml). */
function slim(xml: string): string {
  // Revision records hold a second copy of the properties they changed (and nest tcPr, tblGrid …).
  let s = xml;
  if (/PrChange|tblGridChange/.test(s))
    s = s.replace(
      /<w:(\w+PrChange|tblGridChange)\b[^>]*\/>|<w:(\w+PrChange|tblGridChange)\b[^>]*>[\s\S]*?<\/w:\2>/g,
      "",
    );
  // A run whose properties come first and which holds no other run (a text box holds runs).
  if (s.includes("<w:vanish"))
    s = s.replace(
      /<w:r(?:\s[^>]*)?>\s*<w:rPr>((?:(?!<\/w:rPr>)[\s\S])*)<\/w:rPr>(?:(?!<w:r[\s>]|<\/w:r>)[\s\S])*<\/w:r>/g,
      (run, props: string) => (HIDDEN.test(props) ? "" : run),
    );
  // Run properties, except on a paragraph mark that records a deleted or inserted paragraph.
  s = s.replace(/<w:rPr\/>|<w:rPr>([\s\S]*?)<\/w:rPr>/g, (all, body?: string) =>
    body && /<w:(?:del|ins)\b/.test(body) ? all : "",
  );
  s = s.replace(/<w:pPr\/>|<w:pPr>([\s\S]*?)<\/w:pPr>/g, (_all, body?: string) => {
    const mark = body ? /<w:rPr>[\s\S]*?<\/w:rPr>/.exec(body)?.[0] : undefined;
    return mark ? `<w:pPr>${mark}</w:pPr>` : "";
  });
  s = s.replace(/<w:tcPr\/>|<w:tcPr>([\s\S]*?)<\/w:tcPr>/g, (_all, body?: string) => {
    const merges = body?.match(/<w:(?:gridSpan|vMerge|hMerge)\b[^>]*?(?:\/>|>\s*<\/w:\w+>)/g);
    return merges ? `<w:tcPr>${merges.join("")}</w:tcPr>` : "";
  });
  s = s.replace(/<w:(tblPr|tblGrid|sectPr)\/>|<w:(tblPr|tblGrid|sectPr)\b[^>]*>[\s\S]*?<\/w:\2>/g, "");
  return s.replace(/\s(?:w:rsid\w*|w14:paraId|w14:textId)="[^"]*"/g, "");
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (s: string) =>
  s.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(\w+));/gi, (all, hex, dec, name) =>
    hex
      ? String.fromCodePoint(Number.parseInt(hex, 16))
      : dec
        ? String.fromCodePoint(Number(dec))
        : (XML_ENTITIES[name] ?? all),
  );

/** Path of the main document part, from the package relationships (word/document.xml by default). */
function mainDocumentPath(zip: ZipArchive): string {
  if (!zip.has("_rels/.rels")) return "word/document.xml";
  for (const rel of zip.text("_rels/.rels").match(/<Relationship\b[^>]*>/g) ?? []) {
    if (!/\bType="[^"]*\/officeDocument"/.test(rel)) continue;
    const target = /\bTarget="([^"]+)"/.exec(rel)?.[1];
    if (target) return unescapeXml(target).replace(/^\.?\//, "");
  }
  return "word/document.xml";
}

interface Relationship {
  id: string;
  type: string;
  /** The target as a part name in the zip. */
  path: string;
}

/** The relationships of the main document part, with their targets resolved to part names. */
function mainRelationships(zip: ZipArchive, main: string): Relationship[] {
  const slash = main.lastIndexOf("/");
  const dir = slash >= 0 ? main.slice(0, slash + 1) : "";
  const rels = `${dir}_rels/${main.slice(slash + 1)}.rels`;
  if (!zip.has(rels)) return [];
  return (zip.text(rels).match(/<Relationship\b[^>]*>/g) ?? []).map((rel) => {
    const target = unescapeXml(/\bTarget="([^"]+)"/.exec(rel)?.[1] ?? "");
    const parts: string[] = [];
    for (const p of (target.startsWith("/") ? target.slice(1) : dir + target).split("/")) {
      if (p === "..") parts.pop();
      else if (p !== "." && p !== "") parts.push(p);
    }
    return {
      id: /\bId="([^"]*)"/.exec(rel)?.[1] ?? "",
      type: /\bType="([^"]*)"/.exec(rel)?.[1] ?? "",
      path: parts.join("/"),
    };
  });
}

/** The part a relationship of the main document points to (numbering, styles …), if present. */
function relatedPart(zip: ZipArchive, main: string, rels: Relationship[], type: string): string | undefined {
  const found = rels.find((r) => r.type.endsWith(`/${type}`) && zip.has(r.path));
  if (found) return found.path;
  const fallback = `${main.slice(0, main.lastIndexOf("/") + 1)}${type}.xml`;
  return zip.has(fallback) ? fallback : undefined;
}

/** The HTML of an MHT (MIME) document: its first text/html part, decoded. */
export function htmlFromMht(raw: Buffer): string | undefined {
  const text = raw.toString("latin1");
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)?.[1];
  for (const part of boundary ? text.split(`--${boundary}`) : [text]) {
    const sep = /\r?\n\r?\n/.exec(part);
    if (!sep) continue;
    const headers = part.slice(0, sep.index);
    if (!/content-type:\s*text\/html/i.test(headers)) continue;
    const body = part.slice(sep.index + sep[0].length);
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
    const bytes =
      encoding === "base64"
        ? Buffer.from(body, "base64")
        : Buffer.from(
            encoding === "quoted-printable"
              ? body
                  .replace(/=\r?\n/g, "")
                  .replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
              : body,
            "latin1",
          );
    return decodeBytes(bytes, /charset="?([\w-]+)"?/i.exec(headers)?.[1]).text;
  }
  return undefined;
}

const chunkMark = (i: number) => `ZFXXGKALTCHUNK${i}X`;

/**
 * Content imported whole into the document (w:altChunk: HTML or MHT, as "export to Word" tools write it),
 * which mammoth skips: each becomes a marker paragraph, replaced by the chunk's HTML after mammoth.
 */
function takeAltChunks(
  xml: string,
  zip: ZipArchive,
  rels: Relationship[],
): { xml: string; chunks: string[] } {
  const chunks: string[] = [];
  const out = xml.replace(/<w:altChunk\b[^>]*?(?:\/>|>[\s\S]*?<\/w:altChunk>)/g, (el) => {
    const id = /\br:id="([^"]*)"/.exec(el)?.[1];
    const part = rels.find((r) => r.id === id && zip.has(r.path));
    if (!part) return "";
    const raw = zip.read(part.path);
    const head = raw.subarray(0, 4096).toString("latin1");
    const html =
      /^\s*(?:MIME-Version|Content-Type):/im.test(head) && /multipart|text\/html/i.test(head)
        ? htmlFromMht(raw)
        : decodeBytes(raw).text;
    if (!html) return "";
    const body =
      /<body\b[^>]*>([\s\S]*?)(?:<\/body>|$)/i.exec(html)?.[1] ??
      html.replace(/<head\b[\s\S]*?<\/head>/i, "");
    chunks.push(body);
    return `<w:p><w:r><w:t>${chunkMark(chunks.length - 1)}</w:t></w:r></w:p>`;
  });
  return { xml: out, chunks };
}

/** Opens a DOCX and checks that it is a Word document; throws zip_bomb, corrupt_docx or not_word_zip. */
export function openDocx(bytes: Uint8Array): { zip: ZipArchive; main: string } {
  const zip = openZip(bytes, { corruptCode: "corrupt_docx", what: "Word (DOCX) file" });
  const notWord = (why: string) =>
    new DocumentError("not_word_zip", `document is a zip archive but not a Word (DOCX) file: ${why}`);
  if (!zip.has("[Content_Types].xml")) throw notWord("no [Content_Types].xml");
  const main = mainDocumentPath(zip);
  if (!zip.has(main)) throw notWord(`no main document part (${main})`);
  const types = zip.text("[Content_Types].xml");
  const override = new RegExp(
    `<Override\\b[^>]*PartName="/${main.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"[^>]*>`,
  )
    .exec(types)?.[0]
    .match(/ContentType="([^"]*)"/)?.[1];
  if (override !== undefined && !override.includes("wordprocessingml")) {
    throw notWord(`its main part is ${override}`);
  }
  return { zip, main };
}

/** Turns DOCX bytes into the document model: merged cells kept as spans, text boxes and nested tables read. */
export async function extractDocx(bytes: Uint8Array): Promise<DocumentModel> {
  const { zip, main } = openDocx(bytes);
  const rels = mainRelationships(zip, main);
  const numbering = relatedPart(zip, main, rels, "numbering");
  const styles = relatedPart(zip, main, rels, "styles");
  let source = zip.text(main);
  let chunks: string[] = [];
  if (source.includes("<w:altChunk")) ({ xml: source, chunks } = takeAltChunks(source, zip, rels));
  const documentXml = prepareDocumentXml(source, {
    numbering: numbering && zip.text(numbering),
    styles: styles && zip.text(styles),
  });
  // Numbering and styles are spent above; hidden from mammoth, which would only parse them again.
  const hidden = new Set([numbering, styles]);
  // mammoth reads its parts through this object (its `file` input), so every part is inflated by the
  // bounded reader above and the main part is the prepared one.
  const file = {
    exists: (name: string) => zip.has(name) && !hidden.has(name),
    read: (name: string, encoding?: string): Promise<Uint8Array | string> => {
      try {
        if (name === main) return Promise.resolve(encoding ? documentXml : Buffer.from(documentXml));
        const data = zip.read(name);
        if (encoding === "base64") return Promise.resolve(data.toString("base64"));
        return Promise.resolve(encoding ? new TextDecoder(encoding).decode(data) : data);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  let html: string;
  try {
    const result = await mammoth.convertToHtml({ file } as unknown as { buffer: Buffer }, {
      // Style names only choose between <p>, <h1> … and <li>, all of them lines to the HTML extractor.
      includeDefaultStyleMap: false,
      includeEmbeddedStyleMap: false,
      // Images are never read: report tables published as pictures cannot be extracted anyway.
      convertImage: mammoth.images.imgElement(async () => ({ src: "" })),
      externalFileAccess: false,
    });
    html = result.value;
    chunks.forEach((chunk, i) => {
      html = html.replace(`<p>${chunkMark(i)}</p>`, () => `<div>${chunk}</div>`);
    });
  } catch (e) {
    if (e instanceof DocumentError) throw e;
    throw new DocumentError("corrupt_docx", `Word (DOCX) file could not be read: ${(e as Error).message}`);
  }
  const model = extractHtml(`<html><body>${html}</body></html>`);
  let title: string | undefined;
  if (zip.has("docProps/core.xml")) {
    const raw = /<dc:title>([\s\S]*?)<\/dc:title>/.exec(zip.text("docProps/core.xml"))?.[1];
    title = raw ? normalizeText(unescapeXml(raw)).trim() || undefined : undefined;
  }
  return { ...model, form: "docx", title: title ?? model.title };
}
