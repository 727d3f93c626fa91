// DOCX extractor: checks the zip, evens out what mammoth would misread, and feeds mammoth's HTML to the HTML extractor.
import mammoth from "mammoth";
import type { DocumentModel } from "../model/document.js";
import { normalizeText } from "../normalize/text.js";
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
 * - text boxes drawn with DrawingML (`wps:txbx`), which mammoth skips, and those it reads only through a VML
 *   fallback, become one VML picture holding their `w:txbxContent`, so their paragraphs and tables are read
 *   in place (after the paragraph anchoring them);
 * - bookmarks between table rows or cells make mammoth drop every vertical merge of the table: removed;
 * - a row that starts after `w:gridBefore` grid columns gets a spanning empty cell there, so that its cells
 *   and vertical merges stay in their grid columns.
 */
export function prepareDocumentXml(xml: string): string {
  let s = xml.replace(/<w:bookmark(?:Start|End)\b[^>]*\/>/g, "");
  s = replaceRanges(s, outerElements(s, "mc:AlternateContent"), (alt) => {
    if (!alt.includes("<w:txbxContent")) return alt;
    const [choice] = outerElements(alt, "mc:Choice");
    const [fallback] = outerElements(alt, "mc:Fallback");
    const fromFallback = fallback && alt.slice(...fallback).includes("<w:txbxContent");
    return textBoxesAsPict(fromFallback ? alt.slice(...fallback) : alt.slice(...choice));
  });
  const drawings = [
    ...outerElements(s, "w:drawing"),
    ...outerElements(s, "w:pict"),
    ...outerElements(s, "w:object"),
  ].sort((a, b) => a[0] - b[0]);
  // Only outermost ones: a picture inside a text box inside a drawing goes with its drawing.
  const outer = drawings.filter((r, i) => !drawings.some((o, j) => j !== i && o[0] <= r[0] && r[1] <= o[1]));
  s = replaceRanges(s, outer, (d) => (d.includes("<w:txbxContent") ? textBoxesAsPict(d) : d));
  s = s.replace(/(<w:trPr(?:\s[^/>]*)?>)([\s\S]*?)(<\/w:trPr>)/g, (all, open, body: string, close) => {
    const before = /<w:gridBefore\b[^>]*\bw:val="(\d+)"/.exec(body);
    const n = before ? Number(before[1]) : 0;
    if (!(n > 0)) return all;
    return `${open}${body}${close}<w:tc><w:tcPr><w:gridSpan w:val="${n}"/></w:tcPr><w:p/></w:tc>`;
  });
  return s;
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
  const documentXml = prepareDocumentXml(zip.text(main));
  // mammoth reads its parts through this object (its `file` input), so every part is inflated by the
  // bounded reader above and the main part is the prepared one.
  const file = {
    exists: (name: string) => zip.has(name),
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
      // Images are never read: report tables published as pictures cannot be extracted anyway.
      convertImage: mammoth.images.imgElement(async () => ({ src: "" })),
      externalFileAccess: false,
    });
    html = result.value;
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
