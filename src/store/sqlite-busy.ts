// Whether an SQLite error means another connection holds or changed the database: SQLITE_BUSY and its
// extended codes (SQLITE_BUSY_SNAPSHOT: a read transaction that wants to write after another process
// committed; SQLITE_BUSY_RECOVERY, SQLITE_BUSY_TIMEOUT).
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}
