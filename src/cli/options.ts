// Options shared by several commands.
import { Option } from "commander";
import { UsageError } from "../analyst/filters.js";

export const DEFAULT_DB = "zfxxgk.sqlite";

/** `--db <path>`: the SQLite database file, ./zfxxgk.sqlite by default. */
export function dbOption(): Option {
  return new Option("--db <path>", "SQLite database file").default(DEFAULT_DB);
}

/** A commander argument parser for an integer of at least `min`. */
export function integerArg(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

/**
 * SIGINT/SIGTERM stop a long write cleanly: the signal aborts `signal` (no new document is started, the
 * ones in flight finish and are committed) and `code` becomes 130 or 143. A second signal exits at once.
 */
export function stopOnSignals(): {
  signal: AbortSignal;
  readonly code: number;
  readonly name: string;
  dispose(): void;
} {
  const ac = new AbortController();
  let code = 0;
  let name = "";
  const on = (sig: NodeJS.Signals, exit: number) => () => {
    if (code !== 0) process.exit(exit);
    code = exit;
    name = sig;
    process.stderr.write(
      `\nzfxxgk: ${sig}: finishing the documents in progress, then stopping (again to quit at once)\n`,
    );
    ac.abort();
  };
  const int = on("SIGINT", 130);
  const term = on("SIGTERM", 143);
  process.on("SIGINT", int);
  process.on("SIGTERM", term);
  return {
    signal: ac.signal,
    get code() {
      return code;
    },
    get name() {
      return name;
    },
    dispose() {
      process.off("SIGINT", int);
      process.off("SIGTERM", term);
    },
  };
}

/**
 * Runs a command body; usage errors, refusals and a missing database (NoDatabaseError is a UsageError)
 * print one explanation and exit 2.
 */
export async function runCommand(
  body: () => Promise<number | undefined> | number | undefined,
): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`zfxxgk: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
