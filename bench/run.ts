// Runs every benchmark: bulk import of HTML/text reports, then the PDF path when available.
import { existsSync } from "node:fs";
import { runImportBench } from "./import.js";

await runImportBench();
if (existsSync(new URL("./pdf.ts", import.meta.url))) {
  // Loaded by name so this file type-checks before the PDF benchmark exists.
  const pdfBench = "./pdf.js";
  const { runPdfBench } = (await import(pdfBench)) as { runPdfBench: () => Promise<unknown> };
  await runPdfBench();
}
const { runCrawlBench } = (await import("./crawl.js")) as { runCrawlBench: () => Promise<unknown> };
await runCrawlBench();
const { runDocxBench } = (await import("./docx.js")) as { runDocxBench: () => Promise<unknown> };
await runDocxBench();
const { runAnalystBench } = (await import("./analyst.js")) as { runAnalystBench: () => Promise<unknown> };
await runAnalystBench();
