// The error an extractor raises for one bad document; the batch records its code and message and goes on.

export class DocumentError extends Error {
  constructor(
    /** Stable machine-readable reason, e.g. `empty`, `binary`, `needs_ocr`, `encrypted`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
