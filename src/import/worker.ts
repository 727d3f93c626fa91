// Worker thread body: runs processDocument on documents posted by DocumentWorkers.
import { parentPort, workerData } from "node:worker_threads";
import { oneLineError } from "../extractors/errors.js";
import { ignoreStrayRejections } from "./bounds.js";
import { processDocument } from "./pipeline.js";
import type { WorkerStart } from "./workers.js";

// A library's promise rejected after its document failed (pdfjs does this with some damaged PDFs) must
// not end this thread while it reads the next document: it is logged, and the next document goes on.
ignoreStrayRejections((line) => parentPort?.postMessage({ log: line }));

parentPort?.on("message", async (msg: { id: number; bytes: Uint8Array; opts: { httpCharset?: string } }) => {
  try {
    const ok = await processDocument(msg.bytes, msg.opts);
    parentPort?.postMessage({ id: msg.id, ok });
  } catch (e) {
    parentPort?.postMessage({ id: msg.id, error: oneLineError(e) });
  }
});

// A batch of PDFs: pdfjs is loaded while the importing thread is still opening the database.
if ((workerData as WorkerStart | null)?.preloadPdf)
  void import("../extractors/pdf.js").then((pdf) => pdf.preloadPdfjs()).catch(() => undefined);
