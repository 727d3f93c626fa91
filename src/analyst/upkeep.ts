// Write-time upkeep of the analyst layer, called by the store: stored values and issuer links of a report
// when it is written or superseded, and of every stale report after a bulk load or a migration.
import type Database from "better-sqlite3";
import { isBusy } from "../store/sqlite-busy.js";
import { linkIssuer, refreshIssuers } from "./issuers.js";
import { refreshReportValues, refreshValues } from "./values.js";

/** After a report's current version was chosen: its stored effective, derived and wide values. */
export function valuesWritten(db: Database.Database, reportId: number): void {
  refreshReportValues(db, reportId);
}

/** After a report's region was stored for its current version: its issuer link. */
export function reportWritten(db: Database.Database, reportId: number): void {
  linkIssuer(db, reportId);
}

/**
 * Whether the newest current document has its stored values and issuer link: documents are written in
 * id order, and a report's values and link are written with it or at the end of its batch, so a batch
 * cut short (or a migration) leaves the newest one without. Three index look-ups, instead of a pass
 * over every report on each open.
 */
function upToDate(db: Database.Database): boolean {
  return (
    db
      .prepare(`SELECT (SELECT max(current_document_id) FROM reports) IS (SELECT max(document_id) FROM applications_values)
        AND (SELECT max(current_document_id) FROM reports) IS (SELECT max(document_id) FROM issuer_aliases)`)
      .pluck()
      .get() === 1
  );
}

/**
 * Brings every stale report up to date (end of a bulk load, first open after migration 6). On opening
 * (`atOpen`), a bulk load still running in another process is left to finish its own upkeep, and a
 * database another process is writing is left alone: a reading command must not fail on a busy database.
 */
export function refreshAnalyst(db: Database.Database, atOpen = false): void {
  if (atOpen && (db.prepare("SELECT 1 FROM bulk_loads LIMIT 1").get() || upToDate(db))) return;
  try {
    refreshValues(db);
    refreshIssuers(db);
  } catch (e) {
    if (!atOpen || !isBusy(e)) throw e;
  }
}
