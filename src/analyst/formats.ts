// Export formats, views, the one CSV writer and terminal column widths: no dependencies, so command
// definitions can import them.

export const EXPORT_VIEWS = [
  "cells_long",
  "report_overview",
  "active_wide",
  "applications_wide",
  "appeals_wide",
  "key_comparability",
  "corrections",
  "issuers",
] as const;

export const EXPORT_FORMATS = ["csv", "json", "parquet", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type Value = string | number | bigint | null | Buffer;

/**
 * One CSV field. Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
 * return) gets a leading apostrophe: crawled text is untrusted. Numbers are written as they are.
 */
export function csvField(v: Value | undefined): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line (CRLF), for every CSV zfxxgk writes. */
export function csvLine(values: (Value | undefined)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** The byte-order mark that makes Excel read UTF-8 CSV as UTF-8. */
export const CSV_BOM = "\uFEFF";

/** Terminal width of a string (CJK characters take two columns). */
export function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}

export function padEnd(s: string, n: number): string {
  return s + " ".repeat(Math.max(0, n - width(s)));
}

export function padStart(s: string, n: number): string {
  return " ".repeat(Math.max(0, n - width(s))) + s;
}
