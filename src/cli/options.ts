// Options shared by several commands.
import { Option } from "commander";

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
