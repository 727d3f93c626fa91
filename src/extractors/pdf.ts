// PDF extractor: positioned text from pdfjs-dist → lines → table grids. (Placeholder until it lands.)
import type { DocumentModel } from "../model/document.js";
import { DocumentError } from "./errors.js";

export async function extractPdf(_bytes: Uint8Array): Promise<DocumentModel> {
  throw new DocumentError("unsupported_pdf", "PDF reports are not supported yet");
}
