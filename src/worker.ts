// Worker thread body: runs processDocument on documents posted by DocumentWorkers.
import { parentPort } from "node:worker_threads";
import { DocumentError } from "./extractors/errors.js";
import { processDocument } from "./pipeline.js";

parentPort?.on("message", async (msg: { id: number; bytes: Uint8Array; opts: { httpCharset?: string } }) => {
  try {
    const ok = await processDocument(msg.bytes, msg.opts);
    parentPort?.postMessage({ id: msg.id, ok });
  } catch (e) {
    const code = e instanceof DocumentError ? e.code : "internal_error";
    parentPort?.postMessage({
      id: msg.id,
      error: { code, message: e instanceof Error ? e.message : String(e) },
    });
  }
});
