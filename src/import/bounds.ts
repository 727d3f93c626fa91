// Bounds on one document's work on the importing thread: a hard time budget for synchronous work, and a
// guard so that a stray promise rejection (from a library, after its document is done) cannot end a run.
import vm from "node:vm";

/** Synchronous work that ran past its budget and was stopped. */
export class BudgetExceeded extends Error {
  constructor(readonly ms: number) {
    super(`stopped after ${ms} ms`);
  }
}

const SLOT = Symbol.for("zfxxgk.budgetedWork");
// V8 stops a script that overruns vm's `timeout` from a watchdog thread, whatever it is doing (a
// regular expression backtracking, a loop): the only way to bound synchronous work on this thread.
const callSlot = new vm.Script(`globalThis[Symbol.for("zfxxgk.budgetedWork")]()`, {
  filename: "zfxxgk-budget.js",
});

/**
 * Runs `work` synchronously on this thread and stops it after `ms` milliseconds with BudgetExceeded.
 * The work must not depend on promises: only its synchronous part runs under the budget. A stopped
 * work leaves nothing behind but garbage (no finally block runs), so it must not hold locks.
 */
export function runWithinBudget<T>(work: () => T, ms: number): T {
  const g = globalThis as unknown as Record<symbol, (() => void) | undefined>;
  let result: T | undefined;
  g[SLOT] = () => {
    result = work();
  };
  try {
    callSlot.runInThisContext({ timeout: ms, displayErrors: false });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new BudgetExceeded(ms);
    throw e;
  } finally {
    g[SLOT] = undefined;
  }
  return result as T;
}

let guarded = false;

/**
 * Keeps a long run (import, eval, crawl) alive when a library leaves a promise rejected with nobody
 * waiting for it, as pdfjs does with some damaged PDFs after their document has failed: the document's
 * own failure is already recorded, so the stray rejection is only logged.
 */
export function ignoreStrayRejections(log: (line: string) => void = () => {}): void {
  if (guarded) return;
  guarded = true;
  process.on("unhandledRejection", (reason) => {
    const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    log(`ignored a stray promise rejection: ${text}`);
  });
}

/** What became of one item of a budgeted batch; undefined for items the batch did not reach. */
export type BatchResult<R> = { ok: R } | { error: unknown } | { overran: true } | undefined;

/**
 * Runs `work` over the items in order, on this thread, under ONE watchdog for the whole batch (a
 * watchdog per item costs a thread start each). An item is started only while the batch is younger
 * than `sliceMs`, so each item started has at least `budgetMs` before the batch is stopped; the item
 * running when it is stopped is the one that overran, and the items after it were not run.
 */
export function runBatchWithinBudget<T, R>(
  items: T[],
  work: (item: T) => R,
  budgetMs: number,
  sliceMs: number,
): BatchResult<R>[] {
  const results: BatchResult<R>[] = new Array(items.length).fill(undefined);
  let current = -1;
  const t0 = performance.now();
  try {
    runWithinBudget(() => {
      for (let i = 0; i < items.length; i++) {
        if (i > 0 && performance.now() - t0 > sliceMs) return;
        current = i;
        try {
          results[i] = { ok: work(items[i]) };
        } catch (error) {
          results[i] = { error };
        }
      }
      current = -1;
    }, budgetMs + sliceMs);
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    if (current >= 0 && results[current] === undefined) results[current] = { overran: true };
  }
  return results;
}
