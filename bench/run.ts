// Runs every benchmark in turn: bulk import of HTML/text reports (as it runs, then pinned to one core
// where taskset exists), the PDF path, OCR of scans, whole commands (start-up, one document, 40 PDFs
// against pdftotext, a compression bomb), the crawler, DOCX, the analyst queries, readers during an
// import and reprocess, the bounds on hostile documents and a fuzz run of thousands of mutants,
// and the web workbench.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runAnalystBench } from "./analyst.js";
import { runBoundsBench } from "./bounds.js";
import { runCrawlBench } from "./crawl.js";
import { runDocxBench } from "./docx.js";
import { runFuzzBench } from "./fuzz.js";
import { runImportBench } from "./import.js";
import { runOcrBench } from "./ocr.js";
import { runPdfBench } from "./pdf.js";
import { runStartupBench } from "./startup.js";
import { runStoreBench } from "./store.js";
import { runWebBench } from "./web.js";

await runImportBench();
if (spawnSync("taskset", ["--version"], { stdio: "ignore" }).error === undefined) {
  // The same import in a fresh process that may use one core only, garbage collector threads included.
  console.log("import, pinned to one core (taskset -c 0):");
  const script = fileURLToPath(new URL("./import.ts", import.meta.url));
  spawnSync("taskset", ["-c", "0", process.execPath, "--import", "tsx", script], { stdio: "inherit" });
}
await runPdfBench();
await runOcrBench();
await runStartupBench();
await runCrawlBench();
await runDocxBench();
// The analyst benchmark's 200,000-report database is kept for the workbench's benchmark, then removed.
const analystDb = await runAnalystBench(200_000, { keep: true });
await runStoreBench();
await runBoundsBench();
await runFuzzBench(5000);
await runWebBench(200_000, analystDb);
if (analystDb) rmSync(dirname(analystDb), { recursive: true, force: true });
