// Runs every benchmark in turn: bulk import of HTML/text reports (as it runs, then pinned to one core
// where taskset exists), the PDF path, the crawler, DOCX, the analyst queries
// and the web workbench.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runAnalystBench } from "./analyst.js";
import { runCrawlBench } from "./crawl.js";
import { runDocxBench } from "./docx.js";
import { runImportBench } from "./import.js";
import { runPdfBench } from "./pdf.js";
import { runWebBench } from "./web.js";

await runImportBench();
if (spawnSync("taskset", ["--version"], { stdio: "ignore" }).error === undefined) {
  // The same import in a fresh process that may use one core only, garbage collector threads included.
  console.log("import, pinned to one core (taskset -c 0):");
  const script = fileURLToPath(new URL("./import.ts", import.meta.url));
  spawnSync("taskset", ["-c", "0", process.execPath, "--import", "tsx", script], { stdio: "inherit" });
}
await runPdfBench();
await runCrawlBench();
await runDocxBench();
await runAnalystBench();
await runWebBench();
