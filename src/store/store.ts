// The SQLite store: opens and migrates the database, writes one document (and its report) per transaction.
import Database from "better-sqlite3";
import { refreshRegions, storeRegion } from "../analyst/regions.js";
import type { Report } from "../normalize/schema.js";
import { versionKeys } from "../normalize/template.js";
import { processAlive } from "../process-alive.js";
import { CELLS_BY_KEY_INDEX, PROSE_FTS_INSERT_TRIGGER } from "./analyst-schema.js";
import { migrate } from "./migrations.js";

export type ImportOutcome = "new" | "updated" | "unchanged" | "failed" | "duplicate_origin";

export interface DocumentInput {
  sha256: string;
  origin: string;
  size: number;
}

/** A batch of at least this many documents, and no smaller than the database, is loaded in bulk. */
export const BULK_MIN_DOCUMENTS = 500;
/** New documents a batch that qualifies writes before the bulk load starts. */
export const BULK_AFTER_NEW_DOCUMENTS = 100;
/** WAL pages between automatic checkpoints: SQLite's default, and during a bulk load (about 80 MB). */
const WAL_PAGES = 1000;
const BULK_WAL_PAGES = 20_000;

export class Store {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("cache_size = -65536"); // 64 MiB of page cache: bulk imports revisit index pages
    migrate(this.db);
    if (this.bulkLoadsAbandoned()) this.finishBulkLoad(); // bulk loads cut short by a crash
    const db = this.db;
    // Every canonical key of both templates exists before any document is written, so that a rolled-back
    // document can never take a key row with it.
    const addKey = db.prepare("INSERT OR IGNORE INTO cell_keys (key) VALUES (?)");
    db.transaction(() => {
      for (const k of new Set([...versionKeys("GOP2019"), ...versionKeys("GOP2021")])) addKey.run(k);
    })();
    this.stmts = {
      docBySha: db.prepare("SELECT id, status FROM documents WHERE sha256 = ?"),
      addOrigin: db.prepare("INSERT OR IGNORE INTO document_origins (document_id, origin) VALUES (?, ?)"),
      insertDoc: db.prepare(
        "INSERT INTO documents (sha256, origin, form, charset, size, status, error_code, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      updateFailed: db.prepare(
        "UPDATE documents SET form = ?, status = 'failed', error_code = ?, error = ?, imported_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
      ),
      reportByIdentity: db.prepare("SELECT id, current_document_id FROM reports WHERE identity = ?"),
      insertReport:
        db.prepare(`INSERT INTO reports (identity, issuer_name, report_year, format_version, title, admin_level,
        issuer_type, scope, year_source, has_standard_tables, current_document_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
      updateReport:
        db.prepare(`UPDATE reports SET issuer_name=?, report_year=?, format_version=?, title=?, admin_level=?,
        issuer_type=?, scope=?, year_source=?, has_standard_tables=?, current_document_id=?,
        updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=?`),
      supersede: db.prepare("UPDATE documents SET status = 'superseded' WHERE id = ?"),
      linkDoc: db.prepare("UPDATE documents SET report_id = ?, status = ? WHERE id = ?"),
      insertCell:
        db.prepare(`INSERT INTO cell_values (document_id, key_id, value, status, raw, unit, raw_unit, sign,
        source_label, confidence, page, line, table_index, row_index, col_index, bbox_x, bbox_y, bbox_w, bbox_h)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
      keyId: db.prepare("SELECT id FROM cell_keys WHERE key = ?").pluck(),
      insertKey: db.prepare("INSERT INTO cell_keys (key) VALUES (?)"),
      insertCheck: db.prepare(
        "INSERT INTO check_results (document_id, rule, status, failures) VALUES (?,?,?,?)",
      ),
      insertFlag: db.prepare(
        "INSERT INTO flags (document_id, code, severity, message, keys, position) VALUES (?,?,?,?,?,?)",
      ),
      insertProse: db.prepare("INSERT INTO prose (document_id, text) VALUES (?, ?)"),
    };
  }

  private readonly keyIds = new Map<string, number>();

  /** The integer id of a canonical key, adding the key on first use. */
  private keyId(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id =
        (this.stmts.keyId.get(key) as number | undefined) ??
        Number(this.stmts.insertKey.run(key).lastInsertRowid);
      this.keyIds.set(key, id);
    }
    return id;
  }

  private batchStarted = 0;
  private batchDocs = 0;
  /** Set while a bulk load runs: per-document index, search and region upkeep wait for its end. */
  private bulkLoad = false;
  /**
   * A batch that may become a bulk load becomes one once it has written BULK_AFTER_NEW_DOCUMENTS new
   * documents: re-running an import over files already stored writes none, and rebuilds nothing. Such a
   * batch resolves regions at its end either way: loading the region dataset early made the collector
   * carry it through the whole load (a tenth of its time, 100 MB more RSS).
   */
  private bulkCandidate = false;
  private batchNewDocs = 0;

  /** Regions are resolved at the end of a bulk load, or of a batch that may become one. */
  private get regionsDeferred(): boolean {
    return this.bulkLoad || this.bulkCandidate;
  }

  /**
   * Starts a batch. Each document is still written atomically (its own savepoint: a failure never
   * leaves half a report), but commits are grouped, because the cells-by-key index makes every commit
   * touch one page per cell. A crash loses only the uncommitted documents, which a rerun imports again.
   *
   * A batch of `expectedDocuments` ≥ BULK_MIN_DOCUMENTS that is no smaller than the database becomes a
   * bulk load once it writes new documents: the cells-by-key index and the prose search trigger are
   * dropped, and endBatch rebuilds them and resolves the regions of the reports written, which together
   * costs a fraction of doing it per document. Queries stay correct meanwhile, only slower; a crash
   * mid-load is completed on the next open.
   */
  beginBatch(expectedDocuments = 0): void {
    if (this.db.inTransaction) return;
    this.bulkCandidate =
      expectedDocuments >= BULK_MIN_DOCUMENTS &&
      !this.bulkLoad &&
      expectedDocuments >= (this.db.prepare("SELECT count(*) FROM documents").pluck().get() as number);
    this.batchNewDocs = 0;
    this.db.exec("BEGIN");
    this.batchStarted = performance.now();
    this.batchDocs = 0;
  }

  /** Starts a bulk load, in a transaction of its own between two of the batch's. */
  private startBulkLoad(): void {
    this.db.transaction(() => {
      // Documents up to here have their index entries, search rows (the trigger) and regions.
      const last = this.db.prepare("SELECT max(id) FROM documents").pluck().get() as number | null;
      this.db
        .prepare("INSERT INTO bulk_loads (from_document_id, pid) VALUES (?, ?)")
        .run(last ?? 0, process.pid);
      this.db.exec("DROP INDEX IF EXISTS cell_values_key_value; DROP TRIGGER IF EXISTS prose_fts_insert");
    })();
    this.bulkLoad = true;
    // Fewer, larger checkpoints: a page written by many documents goes to the database file once.
    this.db.pragma(`wal_autocheckpoint = ${BULK_WAL_PAGES}`);
  }

  /** Whether bulk loads are on record and every process that ran them is gone. */
  private bulkLoadsAbandoned(): boolean {
    const pids = this.db.prepare("SELECT pid FROM bulk_loads").pluck().all() as number[];
    return pids.length > 0 && !pids.some(processAlive);
  }

  /**
   * Rebuilds what bulk loads deferred: the index, the search rows of every document since the first
   * load on record began, the trigger, and stale regions. Another process's bulk load that ended
   * meanwhile may have done the first three already; the regions are refreshed regardless.
   */
  private finishBulkLoad(): void {
    this.bulkLoad = false;
    this.db.pragma(`wal_autocheckpoint = ${WAL_PAGES}`);
    this.db.transaction(() => {
      const from = this.db.prepare("SELECT min(from_document_id) FROM bulk_loads").pluck().get() as
        | number
        | null;
      if (from !== null) {
        this.db.exec(CELLS_BY_KEY_INDEX);
        this.db
          .prepare(
            "INSERT INTO prose_fts (rowid, text) SELECT document_id, text FROM prose WHERE document_id > ?",
          )
          .run(from);
        this.db.exec(PROSE_FTS_INSERT_TRIGGER);
        this.db.exec("DELETE FROM bulk_loads");
      }
      this.refreshRegions();
    })();
  }

  /** Resolves missing and stale regions; in its own savepoint, so a failure leaves the rest in place. */
  private refreshRegions(): void {
    try {
      refreshRegions(this.db);
    } catch {}
  }

  /** Commits the batch when it is old or large enough; call after each document. */
  maybeCommit(maxDocs = 200, maxMs = 2000): void {
    if (this.batchStarted === 0) return;
    this.batchDocs++;
    const startBulk = this.bulkCandidate && this.batchNewDocs >= BULK_AFTER_NEW_DOCUMENTS;
    if (startBulk || this.batchDocs >= maxDocs || performance.now() - this.batchStarted >= maxMs) {
      this.commitBatch();
      if (startBulk) {
        this.bulkCandidate = false;
        this.startBulkLoad();
      }
      this.db.exec("BEGIN");
      this.batchStarted = performance.now();
      this.batchDocs = 0;
    }
  }

  private commitBatch(): void {
    this.batchStarted = 0;
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }

  /** Commits the batch and, after a bulk load, rebuilds what it deferred. */
  endBatch(): void {
    const candidate = this.bulkCandidate;
    this.bulkCandidate = false;
    if (this.batchStarted === 0 && !this.bulkLoad) return;
    this.commitBatch();
    if (this.bulkLoad) this.finishBulkLoad();
    else if (candidate) this.refreshRegions();
  }

  /** Whether these bytes were already imported successfully (then re-importing changes nothing). */
  known(sha256: string): { id: number; status: string } | undefined {
    return this.stmts.docBySha.get(sha256) as { id: number; status: string } | undefined;
  }

  /** Records that known bytes were seen under another path or URL. */
  addOrigin(documentId: number, origin: string): void {
    this.stmts.addOrigin.run(documentId, origin);
  }

  /** Records a document that could not be read; stored reports are untouched. */
  recordFailure(doc: DocumentInput, form: string, code: string, message: string): void {
    this.db.transaction(() => {
      const existing = this.known(doc.sha256);
      if (existing) {
        if (existing.status === "failed") this.stmts.updateFailed.run(form, code, message, existing.id);
        this.stmts.addOrigin.run(existing.id, doc.origin);
        return;
      }
      const id = Number(
        this.stmts.insertDoc.run(doc.sha256, doc.origin, form, null, doc.size, "failed", code, message)
          .lastInsertRowid,
      );
      this.stmts.addOrigin.run(id, doc.origin);
    })();
  }

  /**
   * Stores a processed document and makes it the current version of its report, in one transaction.
   * Identical bytes are not stored twice; a new version keeps the old one (status superseded).
   */
  saveReport(doc: DocumentInput, form: string, charset: string | undefined, report: Report): ImportOutcome {
    try {
      const outcome = this.writeReport(doc, form, charset, report);
      if (outcome === "new" || outcome === "updated") this.batchNewDocs++; // maybeCommit may start a bulk load
      return outcome;
    } catch (e) {
      this.keyIds.clear(); // a key added by the rolled-back write is gone again
      throw e;
    }
  }

  private writeReport(
    doc: DocumentInput,
    form: string,
    charset: string | undefined,
    report: Report,
  ): ImportOutcome {
    return this.db.transaction((): ImportOutcome => {
      const existing = this.known(doc.sha256);
      if (existing && existing.status !== "failed") {
        this.stmts.addOrigin.run(existing.id, doc.origin);
        return "unchanged";
      }
      if (existing) {
        // A document that failed before and reads now: replace the failure record.
        this.db.prepare("DELETE FROM document_origins WHERE document_id = ?").run(existing.id);
        this.db.prepare("DELETE FROM documents WHERE id = ?").run(existing.id);
      }
      const hasTables = report.cells.length > 0;
      const status = hasTables ? "imported" : "no_tables";
      const docId = Number(
        this.stmts.insertDoc.run(doc.sha256, doc.origin, form, charset ?? null, doc.size, status, null, null)
          .lastInsertRowid,
      );
      this.stmts.addOrigin.run(docId, doc.origin);
      const m = report.meta;
      const identity =
        m.issuerName && m.reportYear ? `${m.issuerName}|${m.reportYear}` : `origin:${doc.origin}`;
      const prev = this.stmts.reportByIdentity.get(identity) as
        | { id: number; current_document_id: number }
        | undefined;
      const fields = [
        m.issuerName,
        m.reportYear,
        report.formatVersion,
        m.titleRaw,
        m.adminLevel,
        m.issuerType,
        m.scope,
        m.yearSource,
        hasTables ? 1 : 0,
        docId,
      ] as const;
      let reportId: number;
      if (prev) {
        this.stmts.updateReport.run(...fields, prev.id);
        this.stmts.supersede.run(prev.current_document_id);
        reportId = prev.id;
      } else {
        reportId = Number(this.stmts.insertReport.run(identity, ...fields).lastInsertRowid);
      }
      this.stmts.linkDoc.run(reportId, status, docId);
      for (const c of report.cells) {
        this.stmts.insertCell.run(
          docId,
          this.keyId(c.key),
          c.value,
          c.status,
          c.raw,
          c.unit ?? null,
          c.rawUnit ?? null,
          c.sign ?? null,
          c.sourceLabel ?? null,
          c.confidence,
          c.pos.page ?? null,
          c.pos.line ?? null,
          c.pos.table ?? null,
          c.pos.row ?? null,
          c.pos.col ?? null,
          c.pos.box?.x ?? null,
          c.pos.box?.y ?? null,
          c.pos.box?.w ?? null,
          c.pos.box?.h ?? null,
        );
      }
      for (const r of report.rules)
        this.stmts.insertCheck.run(docId, r.rule, r.status, JSON.stringify(r.failures));
      for (const f of report.flags) {
        this.stmts.insertFlag.run(
          docId,
          f.code,
          f.severity,
          f.message,
          f.keys ? JSON.stringify(f.keys) : null,
          f.pos ? JSON.stringify(f.pos) : null,
        );
      }
      this.stmts.insertProse.run(docId, report.prose);
      if (!this.regionsDeferred) {
        try {
          storeRegion(this.db, reportId); // GB/T 2260 region of the issuer; analyst commands retry any left out
        } catch {}
      }
      return prev ? "updated" : "new";
    })();
  }

  close(): void {
    this.endBatch();
    this.db.close();
  }
}
