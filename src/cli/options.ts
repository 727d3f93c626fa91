// Options shared by several commands.
import { Option } from "commander";

export const DEFAULT_DB = "zfxxgk.sqlite";

/** `--db <path>`: the SQLite database file, ./zfxxgk.sqlite by default. */
export function dbOption(): Option {
  return new Option("--db <path>", "SQLite database file").default(DEFAULT_DB);
}
