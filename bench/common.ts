// Steps the benchmarks share: a timed import of a batch into a fresh database, in this thread and
// with the worker pool that `zfxxgk import` uses.
import { join } from "node:path";
import { type FileResult, type ImportSummary, importFiles } from "../src/import/importer.js";
import { DocumentWorkers } from "../src/import/workers.js";
import { Store } from "../src/store/store.js";

export interface TimedImport {
  summary: ImportSummary;
  /** Peak RSS of this process seen after each document, in MB. */
  peakMb: number;
}

export async function timedImport(
  files: string[],
  db: string,
  workers?: DocumentWorkers,
  onResult: (r: FileResult, done: number) => void = () => {},
): Promise<TimedImport> {
  const store = new Store(db);
  let peak = process.memoryUsage().rss;
  try {
    const summary = await importFiles(
      store,
      files,
      (r, done) => {
        peak = Math.max(peak, process.memoryUsage().rss);
        onResult(r, done);
      },
      { workers },
    );
    return { summary, peakMb: peak / 2 ** 20 };
  } finally {
    store.close();
  }
}

/** Imports the batch twice into fresh databases in `dir`: in this thread, then with the worker pool. */
export async function importOneThreadAndPool(
  files: string[],
  dir: string,
  onResult?: (r: FileResult, done: number) => void,
): Promise<{ one: TimedImport; pool: TimedImport; poolSize: number }> {
  const one = await timedImport(files, join(dir, "one.sqlite"), undefined, onResult);
  const workers = new DocumentWorkers();
  try {
    const pool = await timedImport(files, join(dir, "pool.sqlite"), workers, onResult);
    return { one, pool, poolSize: workers.size };
  } finally {
    await workers.close();
  }
}
