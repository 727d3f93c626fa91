// The shared document model: what every extractor produces and all later stages consume.
// Nothing downstream of an extractor knows which form (html, text, pdf, docx) a document came in.

/**
 * A box on a page, as fractions (0..1) of the page's width and height with the origin at the page's
 * top-left corner as displayed (after the page's /Rotate): independent of the scale a viewer renders at.
 */
export interface PageBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where a piece of text was found, precise enough for a human to go and look. */
export interface SourcePosition {
  /** 1-based line in a text document. */
  line?: number;
  /** 1-based page in a paged document. */
  page?: number;
  /** 0-based table index within the document, in reading order. */
  table?: number;
  /** 0-based row and column within that table's expanded grid. */
  row?: number;
  col?: number;
  /** The cell's box on `page` (PDF cells only). */
  box?: PageBox;
}

/** A paragraph, heading or line of running text. */
export interface TextBlock {
  kind: "text";
  text: string;
  pos: SourcePosition;
  /** For text read by OCR: the lowest word confidence in the line (0–1). */
  conf?: number;
  /**
   * For text read by OCR: the confidence (0–1) of the word each character of `text` was read in, one
   * entry per character (whitespace 1). Metadata weighs readings of the issuer's name by it.
   */
  charConf?: number[];
  /**
   * An empty cell the source printed explicitly: a paragraph holding only `&nbsp;` (U+00A0), as reports
   * saved one paragraph per cell mark blank cells. `text` is "" and the block is a blank value, never dropped.
   */
  explicitBlank?: true;
  /**
   * An explicit blank whose existence the source leaves open: one of the empty lines a PDF's geometry
   * fits in more than one way. Reconstruction drops such blanks first when a row has more cells than
   * the template (as it drops uncertain grid cells).
   */
  uncertain?: true;
  /**
   * An uncertain blank counted across a page break (the room a page's last line leaves above the bottom
   * other pages share): weaker evidence than a distance within one page, so dropped before other
   * uncertain blanks.
   */
  acrossPageBreak?: true;
}

/**
 * One cell of an expanded grid. A cell spanning several grid positions appears at each of them;
 * `origin` tells the first position (the one the document printed) from the copies.
 */
export interface GridCell {
  text: string;
  /** false for the copies a colspan/rowspan produced; true where the document printed the cell. */
  origin: boolean;
  /** Row and column of the printed cell this position belongs to. */
  originRow: number;
  originCol: number;
  colspan: number;
  rowspan: number;
  /** Set where the source cannot tell an empty cell from row padding (bare `|` lines in text dumps). */
  uncertain?: boolean;
  /** For cells read by OCR: the lowest confidence (0–1) of the words in the cell. */
  conf?: number;
  pos: SourcePosition;
}

/**
 * A table with its spans expanded into a rectangular-ish grid (rows may be ragged when the source
 * is). `spans` says whether the source carried span information (HTML, DOCX, ruled PDF) or whether
 * rows are only sequences of cells whose grid positions are unknown (pipe text, markdown).
 */
export interface TableBlock {
  kind: "table";
  rows: GridCell[][];
  spans: "known" | "unknown";
  pos: SourcePosition;
}

export type Block = TextBlock | TableBlock;

export type DocumentForm = "html" | "text" | "pdf" | "docx" | "doc" | "unknown";

export interface DocumentModel {
  form: DocumentForm;
  /** Title as found in the document metadata (HTML <title>, PDF info), if any. */
  title?: string;
  blocks: Block[];
  /** Problems noticed while extracting, with where they were seen. */
  warnings: ExtractionWarning[];
  /** Set when the text was read from page images by OCR (scanned PDFs). */
  ocr?: OcrSummary;
}

/**
 * OCR confidence (0–1, the scale of `conf` here) below which a reading is doubted: the normalizer flags
 * its cells, and the layout does not let it decide the shape of a table.
 */
export const OCR_DOUBTED_BELOW = 0.88;

/**
 * OCR confidence (0–1) of text that was not read as printed (a row label put back in the template's
 * wording, a stray mark joined to a label): the values of its row are flagged.
 */
export const OCR_NOT_AS_PRINTED = 0.05;

export interface OcrSummary {
  pages: number;
  words: number;
  /** Words below the low-confidence threshold, plus ink the engine could not read. */
  lowConfidenceWords: number;
  seconds: number;
  /** Skew found and corrected on each page, in degrees. */
  skewDeg: number[];
  /**
   * Lines of the first page's text above its tables (the title, the opening paragraph) that the page's
   * reading doubted, read again alone (each at two sizes, Chinese model only). Kept beside the text, which
   * they never change: metadata votes over them and the text for the issuer's name.
   */
  rereads?: OcrLineReading[];
  /**
   * The first page's lines as the PDF's own text layer gives them, where that layer's numbers were
   * unreadable (glyphs without a Unicode mapping) but its words read: metadata takes the issuer there.
   */
  textLayer?: string[];
}

/** One more reading of a line of a scanned page, with each character's word confidence (0–1). */
export interface OcrLineReading {
  page: number;
  text: string;
  charConf: number[];
}

export interface ExtractionWarning {
  code: string;
  message: string;
  pos?: SourcePosition;
  /** Canonical keys or key prefixes whose values the problem may affect. */
  keys?: string[];
}

/** Builds a grid cell for sources without spans (text rows, markdown). */
export function plainCell(text: string, row: number, col: number, pos: SourcePosition): GridCell {
  return { text, origin: true, originRow: row, originCol: col, colspan: 1, rowspan: 1, pos };
}
