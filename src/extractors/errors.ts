// The error an extractor raises for one bad document; the batch records its code and message and goes on.
// Every failure is recorded as one line of at most MAX_ERROR_CHARS with a stable code (oneLineError).

export class DocumentError extends Error {
  constructor(
    /** Stable machine-readable reason, e.g. `empty`, `binary`, `needs_ocr`, `encrypted`. */
    readonly code: string,
    message: string,
    /** What a developer needs beyond the message (a validator's full account, a stack): for logs only. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Longest error message stored in `documents.error` or printed for a document. */
export const MAX_ERROR_CHARS = 300;

export interface FailureLine {
  code: string;
  /** One line, at most MAX_ERROR_CHARS characters. */
  message: string;
  /** The full account (multi-line messages, stacks), for the log and never for the database. */
  detail?: string;
}

/** NUL, unpaired surrogates and other control characters have no place in a one-line message. */
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\0-\x08\x0b-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Any thrown value as a stable code and a one-line message; the rest goes to `detail`. */
export function oneLineError(e: unknown): FailureLine {
  let code = e instanceof DocumentError ? e.code : "internal_error";
  let text = e instanceof Error ? e.message : String(e);
  let detail = e instanceof DocumentError ? e.detail : e instanceof Error ? e.stack : undefined;
  if (e instanceof RangeError && /call stack/i.test(text)) {
    // Recursion somewhere in a library met a document nested deeper than the stack allows.
    code = "too_deep";
    text = "document is nested too deeply to read (the call stack ran out)";
    detail = e.stack;
  }
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(code)) code = "internal_error";
  const line = text.replace(UNPRINTABLE, "\ufffd").replace(/\s+/g, " ").trim() || code;
  let cut = MAX_ERROR_CHARS - 1;
  if (/[\ud800-\udbff]/.test(line[cut - 1] ?? "")) cut--; // never half a surrogate pair
  const message = line.length > MAX_ERROR_CHARS ? `${line.slice(0, cut)}…` : line;
  if (detail === undefined && message !== text) detail = text;
  return detail === undefined ? { code, message } : { code, message, detail };
}
