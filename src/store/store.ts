// The SQLite store: opens and migrates the database, writes one document (and its report) per transaction,
// keeps each document's bytes, chooses each report's current version on evidence, and re-extracts.
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import Database from "better-sqlite3";
import { UsageError } from "../analyst/filters.js";
import { refreshRegions, storeRegion } from "../analyst/regions.js";
import { refreshAnalyst, reportWritten, valuesWritten } from "../analyst/upkeep.js";
import { extractionVersion } from "../extraction-version.js";
import type { Report } from "../normalize/schema.js";
import { versionKeys } from "../normalize/template.js";
import { processAlive } from "../process-alive.js";
import { CELLS_BY_KEY_INDEX, PROSE_FTS_INSERT_TRIGGER } from "./analyst-schema.js";
import { BlobStore, defaultDataDir } from "./blobs.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import { isBusy } from "./sqlite-busy.js";
import { chooseVersion, type VersionCandidate } from "./versions.js";

/**
 * new: a new report; updated: a new document became its report's current version; not_current: a new
 * document was kept as an older or worse version; reprocessed: known bytes extracted again by a newer
 * extraction; unchanged: known bytes.
 */
export type ImportOutcome =
  | "new"
  | "updated"
  | "not_current"
  | "reprocessed"
  | "unchanged"
  | "failed"
  | "duplicate_origin";

/** A database path that does not exist, given to a command that only reads or edits a database (exit 2). */
export class NoDatabaseError extends UsageError {}

/** How long a writer waits for another process's write transaction before it says so. */
const QUIET_WAIT_MS = 2000;
/**
 * How long a writer waits in all (ZFXXGK_WRITE_WAIT_MS; default one day: a second import waits for the
 * first; SQLite's busy timeout is a 32-bit count of milliseconds).
 */
const WRITE_WAIT_MS = Number(process.env.ZFXXGK_WRITE_WAIT_MS) || 24 * 3600_000;

/**
 * Opens a database for a command that only reads: read-only, no migrations, no writes, so it never waits
 * for an import, a crawl or a bulk load (WAL readers see the last commit). A database whose schema is
 * older than this zfxxgk is upgraded once by a writer first.
 */
export function openReadOnly(path: string): Database.Database {
  if (!existsSync(path))
    throw new NoDatabaseError(`no database at ${path} (import reports first, or pass --db)`);
  let db = new Database(path, { readonly: true, fileMustExist: true });
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  const version = hasTable
    ? ((db.prepare("SELECT max(version) FROM schema_migrations").pluck().get() as number | null) ?? 0)
    : 0;
  if (version < latest) {
    db.close();
    new Store(path).close(); // a one-time schema upgrade after installing a newer zfxxgk
    db = new Database(path, { readonly: true, fileMustExist: true });
  }
  db.pragma(`busy_timeout = ${QUIET_WAIT_MS}`);
  return db;
}

export interface StoreOptions {
  /**
   * Folder of the content-addressed store where each document's bytes are kept (`<db>.data` for import
   * and crawl); null or absent: bytes are not kept.
   */
  sourcesDir?: string | null;
}

/** What a re-extraction changed in one document. */
export interface ExtractionDiff {
  documentId: number;
  origin: string;
  changed: string[];
  added: string[];
  removed: string[];
  rules: { rule: string; from: string; to: string }[];
}

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

  readonly path: string;
  /** Where document bytes are kept, or null. */
  readonly sources: BlobStore | null;
  /** documents.source_dir of the kept bytes: relative to the database's folder when inside it. */
  private readonly sourceDirRecord: string | null;

  constructor(path: string, opts: StoreOptions = {}) {
    this.path = path;
    this.db = new Database(path);
    // Every write of this connection waits for other writers (the crawler's and the analyst layer's
    // statements too); the store's own transactions say so when the wait is long (waitForWriters).
    this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
    this.waitForWriters(() => this.db.pragma("journal_mode = WAL"));
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("foreign_keys = ON");
    this.db.pragma("cache_size = -65536"); // 64 MiB of page cache: bulk imports revisit index pages
    this.waitForWriters(() => migrate(this.db));
    if (this.bulkLoadsAbandoned())
      this.waitForWriters(() => this.finishBulkLoad()); // cut short by a crash
    else this.waitForWriters(() => refreshAnalyst(this.db, true)); // stored values and issuers left stale
    const db = this.db;
    if (opts.sourcesDir) {
      this.sources = new BlobStore(opts.sourcesDir);
      const rel = relative(dirname(resolve(path)), resolve(opts.sourcesDir));
      this.sourceDirRecord = rel.startsWith("..") || isAbsolute(rel) ? resolve(opts.sourcesDir) : rel;
    } else {
      this.sources = null;
      this.sourceDirRecord = null;
    }
    // Every canonical key of both templates exists before any document is written, so that a rolled-back
    // document can never take a key row with it.
    const addKey = db.prepare("INSERT OR IGNORE INTO cell_keys (key) VALUES (?)");
    const keys = new Set([...versionKeys("GOP2019"), ...versionKeys("GOP2021")]);
    const hasKey = db.prepare("SELECT 1 FROM cell_keys WHERE key = ?");
    const missing = [...keys].filter((k) => !hasKey.get(k));
    if (missing.length > 0)
      this.write(() => {
        for (const k of missing) addKey.run(k);
      });
    this.stmts = {
      docBySha: db.prepare(
        "SELECT id, status, IFNULL(extraction_version, 0) AS extraction_version FROM documents WHERE sha256 = ?",
      ),
      addOrigin: db.prepare("INSERT OR IGNORE INTO document_origins (document_id, origin) VALUES (?, ?)"),
      insertDoc: db.prepare(
        `INSERT INTO documents (sha256, origin, form, charset, size, status, error_code, error, extraction_version,
          source_dir, report_fields, cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateFailed: db.prepare(
        "UPDATE documents SET form = ?, status = 'failed', error_code = ?, error = ?, extraction_version = ?, source_dir = IFNULL(?, source_dir), imported_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
      ),
      reportByIdentity: db.prepare("SELECT id, current_document_id FROM reports WHERE identity = ?"),
      insertReport:
        db.prepare(`INSERT INTO reports (identity, issuer_name, report_year, format_version, title, admin_level,
        issuer_type, scope, year_source, has_standard_tables, current_document_id) VALUES (@identity, @issuer_name,
        @report_year, @format_version, @title, @admin_level, @issuer_type, @scope, @year_source,
        @has_standard_tables, @document_id)`),
      updateReport: db.prepare(`UPDATE reports SET issuer_name=@issuer_name, report_year=@report_year,
        format_version=@format_version, title=@title, admin_level=@admin_level, issuer_type=@issuer_type,
        scope=@scope, year_source=@year_source, has_standard_tables=@has_standard_tables,
        current_document_id=@document_id, version_reason=@version_reason,
        updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=@id`),
      // updateReport for a version of the same issuer and year (see decideCurrent).
      updateReportVersion: db.prepare(`UPDATE reports SET format_version=@format_version, title=@title,
        admin_level=@admin_level, issuer_type=@issuer_type, scope=@scope, year_source=@year_source,
        has_standard_tables=@has_standard_tables, current_document_id=@document_id,
        version_reason=@version_reason, updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id=@id`),
      linkDoc: db.prepare("UPDATE documents SET report_id = ? WHERE id = ?"),
      keyId: db.prepare("SELECT id FROM cell_keys WHERE key = ?").pluck(),
      insertKey: db.prepare("INSERT INTO cell_keys (key) VALUES (?)"),
      insertFlag: db.prepare(
        "INSERT INTO flags (document_id, code, severity, message, keys, position) VALUES (?,?,?,?,?,?)",
      ),
      insertProse: db.prepare("INSERT INTO prose (document_id, text) VALUES (?, ?)"),
      versionsOf: db.prepare(`SELECT d.id, d.status, d.version_reason,
          IFNULL(d.cells, (SELECT count(*) FROM cell_values v WHERE v.document_id = d.id)) AS cells
        FROM documents d WHERE d.report_id = ? AND d.status != 'failed' ORDER BY d.id`),
      reportOf: db.prepare("SELECT pinned_document_id, issuer_name, report_year FROM reports WHERE id = ?"),
      fieldsOf: db.prepare("SELECT report_fields FROM documents WHERE id = ?").pluck(),
      setVersion: db.prepare("UPDATE documents SET status = ?, version_reason = ? WHERE id = ?"),
      setCurrent: db.prepare(
        "UPDATE reports SET current_document_id = ?, has_standard_tables = ?, version_reason = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
      ),
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

  /**
   * The versions of each report decided in the batch's open transaction, as decideCurrent left them (a
   * bulk import of many versions of one report read them all again for every document). Only this
   * transaction writes them while it holds the lock, so they are dropped at its commit, at a rolled-back
   * savepoint and before anything else moves or re-reads versions (replaceExtraction, pin).
   */
  private readonly versionsRead = new Map<number, VersionRow[]>();

  /** When the open batch transaction began (0: none open). */
  private batchStarted = 0;
  private batchDocs = 0;
  /** Between beginBatch and endBatch: writes join one transaction, begun on the first write. */
  private inBatch = false;
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
   * Runs a write that needs the database's write lock, waiting for another process that holds it (an
   * import, a crawl, a correction): quietly for QUIET_WAIT_MS, then with one line on standard error,
   * up to WRITE_WAIT_MS.
   */
  private waitForWriters<T>(fn: () => T): T {
    this.db.pragma(`busy_timeout = ${QUIET_WAIT_MS}`);
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e)) throw e;
    } finally {
      this.db.pragma(`busy_timeout = ${WRITE_WAIT_MS}`);
    }
    process.stderr.write(
      `zfxxgk: waiting for another process that is writing to ${this.path} (an import, a crawl or a correction)…\n`,
    );
    try {
      return fn();
    } catch (e) {
      if (isBusy(e))
        throw new Error(`${this.path} stayed locked by another writer for ${WRITE_WAIT_MS / 1000} s`);
      throw e;
    }
  }

  /** Runs a function as a savepoint of the open transaction (made once: a bulk load writes one per document). */
  private atomic?: (fn: () => unknown) => unknown;

  /** Opens the write transaction (BEGIN IMMEDIATE: the lock is taken, or waited for, before anything is read). */
  private begin(): void {
    this.versionsRead.clear();
    this.waitForWriters(() => this.db.exec("BEGIN IMMEDIATE"));
  }

  /**
   * Runs fn atomically with the write lock held: in the batch's transaction (begun now if needed) as a
   * savepoint, or in a transaction of its own outside a batch. Another process's write lock is waited
   * for, with a message when the wait is long.
   */
  write<T>(fn: () => T): T {
    if (!this.db.inTransaction) {
      this.begin();
      if (this.inBatch) this.batchStarted = performance.now();
      else {
        try {
          const r = fn();
          this.db.exec("COMMIT");
          return r;
        } catch (e) {
          if (this.db.inTransaction) this.db.exec("ROLLBACK");
          throw e;
        }
      }
    }
    this.atomic ??= this.db.transaction((f: () => unknown) => f());
    try {
      return this.atomic(fn) as T;
    } catch (e) {
      this.versionsRead.clear(); // the savepoint's version decisions were rolled back
      throw e;
    }
  }

  /**
   * Starts a batch. Each document is still written atomically (its own savepoint: a failure never
   * leaves half a report), but commits are grouped, because the cells-by-key index makes every commit
   * touch one page per cell. A crash loses only the uncommitted documents, which a rerun imports again.
   * The transaction begins at the batch's first write, so another writer waiting for the lock gets it
   * between two commits while this process is reading its next document.
   *
   * A batch of `expectedDocuments` ≥ BULK_MIN_DOCUMENTS that is no smaller than the database becomes a
   * bulk load once it writes new documents: the cells-by-key index and the prose search trigger are
   * dropped, and endBatch rebuilds them and resolves the regions of the reports written, which together
   * costs a fraction of doing it per document. Queries stay correct meanwhile, only slower; a crash
   * mid-load is completed on the next open.
   */
  beginBatch(expectedDocuments = 0): void {
    if (this.inBatch || this.db.inTransaction) return;
    this.bulkCandidate =
      expectedDocuments >= BULK_MIN_DOCUMENTS &&
      !this.bulkLoad &&
      expectedDocuments >= (this.db.prepare("SELECT count(*) FROM documents").pluck().get() as number);
    this.batchNewDocs = 0;
    this.inBatch = true;
    this.batchStarted = 0;
    this.batchDocs = 0;
    // Each document of a batch is a savepoint, whose journal of the pages it changes (some 30 a document)
    // SQLite writes to a temporary file, page by page, once past 64 KiB: kept in memory, the import
    // saves about a quarter of its system time. Back to files at the batch's end (endBatch), where index
    // builds and the analyst refresh may sort more than memory should hold.
    this.db.pragma("temp_store = MEMORY");
  }

  /** Starts a bulk load, in a transaction of its own between two of the batch's. */
  private startBulkLoad(): void {
    this.begin();
    try {
      // Documents up to here have their index entries, search rows (the trigger) and regions.
      const last = this.db.prepare("SELECT max(id) FROM documents").pluck().get() as number | null;
      this.db
        .prepare("INSERT INTO bulk_loads (from_document_id, pid) VALUES (?, ?)")
        .run(last ?? 0, process.pid);
      this.db.exec("DROP INDEX IF EXISTS cell_values_key_value; DROP TRIGGER IF EXISTS prose_fts_insert");
      this.db.exec("COMMIT");
    } catch (e) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw e;
    }
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
    this.write(() => {
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
    });
  }

  /** Resolves missing and stale regions; in its own savepoint, so a failure leaves the rest in place. */
  private refreshRegions(): void {
    try {
      refreshRegions(this.db);
    } catch {}
    refreshAnalyst(this.db); // stored values and issuer links (src/analyst/upkeep.ts)
  }

  /** Commits the batch when it is old or large enough; call after each document. */
  maybeCommit(maxDocs = 200, maxMs = 2000): void {
    if (!this.inBatch) return;
    this.batchDocs++;
    const startBulk = this.bulkCandidate && this.batchNewDocs >= BULK_AFTER_NEW_DOCUMENTS;
    if (
      startBulk ||
      this.batchDocs >= maxDocs ||
      (this.batchStarted > 0 && performance.now() - this.batchStarted >= maxMs)
    ) {
      this.commitBatch();
      if (startBulk) {
        this.bulkCandidate = false;
        this.startBulkLoad();
      }
      this.batchDocs = 0;
    }
  }

  private commitBatch(): void {
    this.batchStarted = 0;
    this.versionsRead.clear();
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }

  /** Commits the batch and, after a bulk load, rebuilds what it deferred. */
  endBatch(): void {
    const candidate = this.bulkCandidate;
    this.bulkCandidate = false;
    if (!this.inBatch && !this.bulkLoad) return;
    this.commitBatch();
    this.inBatch = false;
    this.db.pragma("temp_store = DEFAULT");
    if (this.bulkLoad) this.finishBulkLoad();
    else if (candidate) this.write(() => this.refreshRegions());
  }

  /** The stored document with these bytes, if any, and the extraction version that read it. */
  known(sha256: string): { id: number; status: string; extraction_version: number } | undefined {
    return this.stmts.docBySha.get(sha256) as
      | { id: number; status: string; extraction_version: number }
      | undefined;
  }

  /** Records that known bytes were seen under another path or URL. */
  addOrigin(documentId: number, origin: string): void {
    this.write(() => this.stmts.addOrigin.run(documentId, origin));
  }

  /** Keeps a document's bytes in the content-addressed store (before its row is committed). */
  private keep(bytes: Uint8Array | undefined, sha256?: string): string | null {
    if (!this.sources || !bytes) return null;
    this.sources.put(bytes, sha256);
    return this.sourceDirRecord;
  }

  /** Records a document that could not be read; stored reports are untouched. */
  recordFailure(doc: DocumentInput, form: string, code: string, message: string, bytes?: Uint8Array): void {
    const sourceDir = this.keep(bytes, doc.sha256);
    this.write(() => {
      const existing = this.known(doc.sha256);
      if (existing) {
        if (existing.status === "failed")
          this.stmts.updateFailed.run(form, code, message, extractionVersion(), sourceDir, existing.id);
        this.stmts.addOrigin.run(existing.id, doc.origin);
        return;
      }
      const id = Number(
        this.stmts.insertDoc.run(
          doc.sha256,
          doc.origin,
          form,
          null,
          doc.size,
          "failed",
          code,
          message,
          extractionVersion(),
          sourceDir,
          null,
          null,
        ).lastInsertRowid,
      );
      this.stmts.addOrigin.run(id, doc.origin);
    });
  }

  /**
   * Stores a processed document and decides which version of its report is current, in one
   * transaction. Identical bytes are not stored twice, unless an older extraction read them: then they
   * are extracted again (reprocessed). `bytes`, when given, are kept in the sources store.
   */
  saveReport(
    doc: DocumentInput,
    form: string,
    charset: string | undefined,
    report: Report,
    bytes?: Uint8Array,
  ): ImportOutcome {
    try {
      const sourceDir = this.keep(bytes, doc.sha256);
      const outcome = this.write(() => this.writeReport(doc, form, charset, report, sourceDir));
      if (outcome === "new" || outcome === "updated" || outcome === "not_current") this.batchNewDocs++; // maybeCommit may start a bulk load
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
    sourceDir: string | null,
  ): ImportOutcome {
    const existing = this.known(doc.sha256);
    if (existing && existing.status !== "failed") {
      this.stmts.addOrigin.run(existing.id, doc.origin);
      if (existing.extraction_version >= extractionVersion()) return "unchanged";
      this.replaceExtraction(existing.id, form, charset, report, sourceDir);
      return "reprocessed";
    }
    if (existing) {
      // A document that failed before and reads now: its row is filled in.
      this.stmts.addOrigin.run(existing.id, doc.origin);
      this.replaceExtraction(existing.id, form, charset, report, sourceDir);
      const now = this.db.prepare("SELECT status FROM documents WHERE id = ?").pluck().get(existing.id);
      return now === "superseded" ? "not_current" : "new";
    }
    const fields = reportFields(report);
    const docId = Number(
      this.stmts.insertDoc.run(
        doc.sha256,
        doc.origin,
        form,
        charset ?? null,
        doc.size,
        report.cells.length > 0 ? "imported" : "no_tables",
        null,
        null,
        extractionVersion(),
        sourceDir,
        JSON.stringify(fields),
        report.cells.length,
      ).lastInsertRowid,
    );
    this.stmts.addOrigin.run(docId, doc.origin);
    const { reportId, created } = this.attach(docId, identityOf(report, doc.origin), fields);
    this.insertExtraction(docId, report);
    const current = this.decideCurrent(
      reportId,
      {
        id: docId,
        status: report.cells.length > 0 ? "imported" : "no_tables",
        version_reason: null,
        cells: report.cells.length,
      },
      fields,
    );
    if (!this.regionsDeferred && current === docId) this.resolveRegion(reportId);
    return created ? "new" : current === docId ? "updated" : "not_current";
  }

  /** Links a document to the report of its identity, creating the report if there is none. */
  private attach(
    docId: number,
    identity: string,
    fields: ReportFields,
  ): { reportId: number; created: boolean } {
    const prev = this.stmts.reportByIdentity.get(identity) as { id: number } | undefined;
    let reportId: number;
    if (prev) reportId = prev.id;
    else {
      reportId = Number(
        this.stmts.insertReport.run({ ...fields, identity, document_id: docId }).lastInsertRowid,
      );
    }
    this.stmts.linkDoc.run(reportId, docId);
    return { reportId, created: !prev };
  }

  /** Multi-row INSERTs, made once per target (a table and its columns) and row count. */
  private readonly multiRowInserts = new Map<string, Map<number, Database.Statement>>();

  /** `INSERT INTO <into> VALUES` `rows` rows of `params` parameters each. */
  private multiRowInsert(into: string, params: number, rows: number): Database.Statement {
    let byRows = this.multiRowInserts.get(into);
    if (!byRows) {
      byRows = new Map();
      this.multiRowInserts.set(into, byRows);
    }
    let stmt = byRows.get(rows);
    if (!stmt) {
      const row = `(${new Array(params).fill("?").join(",")})`;
      stmt = this.db.prepare(`INSERT INTO ${into} VALUES ${new Array(rows).fill(row).join(",")}`);
      byRows.set(rows, stmt);
    }
    return stmt;
  }

  /**
   * A document's cells, up to CELL_CHUNK rows per statement: one statement run per cell was a third of
   * a bulk import's store time (each run binds, steps and resets a statement of its own).
   */
  private insertCells(docId: number, cells: Report["cells"]): void {
    const plain: unknown[] = [];
    const boxed: unknown[] = [];
    // Runs the rows bound so far as one statement (their count follows from the parameters bound). The
    // values are passed as arguments, not as one array: better-sqlite3 reads an array's elements one by
    // one through V8's object API, which took twice as long as binding the same values as arguments.
    const flush = (hasBox: boolean, args: unknown[]) => {
      if (args.length === 0) return;
      const params = hasBox ? BOXED_CELL_PARAMS : CELL_PARAMS;
      this.multiRowInsert(hasBox ? BOXED_CELLS_INTO : CELLS_INTO, params, args.length / params).run(...args);
      args.length = 0;
    };
    for (const c of cells) {
      const pos = c.pos;
      // A cell read from HTML or text has no page nor box: five parameters fewer to bind.
      const hasBox = pos.box !== undefined || pos.page !== undefined;
      const args = hasBox ? boxed : plain;
      args.push(
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
        pos.line ?? null,
        pos.table ?? null,
        pos.row ?? null,
        pos.col ?? null,
        c.exact ?? null,
      );
      if (hasBox)
        args.push(
          pos.page ?? null,
          pos.box?.x ?? null,
          pos.box?.y ?? null,
          pos.box?.w ?? null,
          pos.box?.h ?? null,
        );
      if (args.length === CELL_CHUNK * (hasBox ? BOXED_CELL_PARAMS : CELL_PARAMS)) flush(hasBox, args);
    }
    flush(false, plain);
    flush(true, boxed);
  }

  private insertExtraction(docId: number, report: Report): void {
    this.insertCells(docId, report.cells);
    // The rules' results in one statement (a report has five): each statement run costs as much as its rows.
    if (report.rules.length > 0) {
      const args: unknown[] = [];
      for (const r of report.rules) args.push(docId, r.rule, r.status, JSON.stringify(r.failures));
      this.multiRowInsert(CHECKS_INTO, 4, report.rules.length).run(...args);
    }
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
  }

  private resolveRegion(reportId: number): void {
    try {
      storeRegion(this.db, reportId); // GB/T 2260 region of the issuer; analyst commands retry any left out
    } catch {}
    reportWritten(this.db, reportId); // issuer link (src/analyst/upkeep.ts)
  }

  /**
   * Chooses the current version of a report on evidence (src/store/versions.ts), records why each
   * version is or is not current, and copies the current version's report fields. Returns its id.
   * `added` is a document just written, with `addedFields` its report fields (not read back when it
   * becomes current, as it does in most imports).
   */
  private decideCurrent(reportId: number, added?: VersionRow, addedFields?: ReportFields): number {
    // Within the batch's own transaction, a report decided before has its versions as that decision
    // left them, and the new document is the newest (versionsOf orders by id).
    const known = added && this.batchStarted > 0 ? this.versionsRead.get(reportId) : undefined;
    // (The new document joins the versions read, in place: they are stored back below, and a failed
    // write clears them.)
    if (known) known.push(added!);
    const docs = known ?? (this.stmts.versionsOf.all(reportId) as VersionRow[]);
    const report = this.stmts.reportOf.get(reportId) as {
      pinned_document_id: number | null;
      issuer_name: string | null;
      report_year: number | null;
    };
    const choice = chooseVersion(docs, report.pinned_document_id);
    for (const d of docs) {
      // Only what changed is written: a report with many versions must not rewrite them all each time.
      const status = d.id !== choice.current ? "superseded" : d.cells > 0 ? "imported" : "no_tables";
      const reason = choice.reasons.get(d.id) ?? null;
      if (status !== d.status || reason !== d.version_reason) {
        this.stmts.setVersion.run(status, reason, d.id);
        d.status = status;
        d.version_reason = reason;
      }
    }
    if (this.batchStarted > 0) this.versionsRead.set(reportId, docs);
    const cur = docs.find((d) => d.id === choice.current)!;
    const reason = choice.reasons.get(cur.id) ?? null;
    let f: ReportFields | null;
    if (cur === added && addedFields) f = addedFields;
    else {
      const stored = this.stmts.fieldsOf.get(cur.id) as string | null;
      f = stored ? (JSON.parse(stored) as ReportFields) : null;
    }
    if (f) {
      // An UPDATE rewrites the index entries of every column it sets, changed or not: the issuer and year
      // (in four of the report's indexes) are set only when they change, as a new version seldom does.
      const sameIssuerYear = f.issuer_name === report.issuer_name && f.report_year === report.report_year;
      (sameIssuerYear ? this.stmts.updateReportVersion : this.stmts.updateReport).run({
        ...f,
        document_id: cur.id,
        version_reason: reason,
        id: reportId,
      });
    } else this.stmts.setCurrent.run(cur.id, cur.cells > 0 ? 1 : 0, reason, reportId);
    if (!this.regionsDeferred) valuesWritten(this.db, reportId); // stored values (src/analyst/upkeep.ts)
    return cur.id;
  }

  /**
   * Pins a document as its report's current version (a person's choice, `zfxxgk versions --pin`), or
   * with `unpin` returns the choice to the evidence. Returns the report and its current document.
   */
  pin(documentId: number, unpin = false): { reportId: number; current: number } {
    this.versionsRead.clear();
    return this.write(() => {
      const row = this.db.prepare("SELECT report_id, status FROM documents WHERE id = ?").get(documentId) as
        | { report_id: number | null; status: string }
        | undefined;
      if (!row) throw new UsageError(`no document #${documentId}`);
      if (row.report_id === null || row.status === "failed")
        throw new UsageError(`document #${documentId} has no report (it failed: see the documents table)`);
      this.db
        .prepare("UPDATE reports SET pinned_document_id = ? WHERE id = ?")
        .run(unpin ? null : documentId, row.report_id);
      const current = this.decideCurrent(row.report_id);
      this.resolveRegion(row.report_id);
      return { reportId: row.report_id, current };
    });
  }

  /**
   * Replaces a stored document's extraction with a new one (same bytes, newer extraction) and returns
   * what changed. The report may change (issuer or year read differently): the document moves, and
   * both reports choose their current version again. Human corrections are never touched.
   */
  replaceExtraction(
    docId: number,
    form: string,
    charset: string | undefined,
    report: Report,
    sourceDir: string | null = null,
  ): ExtractionDiff {
    this.versionsRead.clear(); // versions move and change their cells below; decideCurrent reads them again
    const doc = this.db
      .prepare("SELECT origin, report_id, status FROM documents WHERE id = ?")
      .get(docId) as { origin: string; report_id: number | null; status: string };
    const before = this.db
      .prepare("SELECT key, value, status, raw, value_exact FROM cells WHERE document_id = ?")
      .all(docId) as {
      key: string;
      value: number | null;
      status: string;
      raw: string;
      value_exact: string | null;
    }[];
    const rulesBefore = new Map(
      (
        this.db.prepare("SELECT rule, status FROM check_results WHERE document_id = ?").all(docId) as {
          rule: string;
          status: string;
        }[]
      ).map((r) => [r.rule, r.status]),
    );
    for (const t of ["cell_values", "check_results", "flags", "prose"])
      this.db.prepare(`DELETE FROM ${t} WHERE document_id = ?`).run(docId);
    this.db
      .prepare(`UPDATE documents SET form = ?, charset = ?, status = ?, error_code = NULL, error = NULL,
        extraction_version = ?, source_dir = IFNULL(?, source_dir), report_fields = ?, cells = ? WHERE id = ?`)
      .run(
        form,
        charset ?? null,
        report.cells.length > 0 ? "imported" : "no_tables",
        extractionVersion(),
        sourceDir,
        JSON.stringify(reportFields(report)),
        report.cells.length,
        docId,
      );
    const oldReport = doc.report_id;
    const identity = identityOf(report, doc.origin);
    const oldIdentity =
      oldReport === null
        ? null
        : (this.db.prepare("SELECT identity FROM reports WHERE id = ?").pluck().get(oldReport) as string);
    let reportId: number;
    if (oldReport !== null && oldIdentity === identity) reportId = oldReport;
    else {
      const others =
        oldReport === null
          ? 0
          : (this.db
              .prepare("SELECT count(*) FROM documents WHERE report_id = ? AND id != ?")
              .pluck()
              .get(oldReport, docId) as number);
      const target = this.stmts.reportByIdentity.get(identity) as { id: number } | undefined;
      if (oldReport !== null && others === 0 && !target) {
        // The report's only document now reads as another issuer or year: the report is renamed.
        this.db
          .prepare("UPDATE reports SET identity = ?, pinned_document_id = NULL WHERE id = ?")
          .run(identity, oldReport);
        reportId = oldReport;
      } else {
        reportId = this.attach(docId, identity, reportFields(report)).reportId;
        if (oldReport !== null) {
          this.db
            .prepare("UPDATE reports SET pinned_document_id = NULL WHERE id = ? AND pinned_document_id = ?")
            .run(oldReport, docId);
          if (others > 0) this.decideCurrent(oldReport);
          else {
            // Nothing is left of the old report: its corrections follow the document.
            this.db
              .prepare("UPDATE corrections SET report_id = ? WHERE report_id = ?")
              .run(reportId, oldReport);
            this.db.prepare("DELETE FROM report_regions WHERE report_id = ?").run(oldReport);
            this.db.prepare("DELETE FROM reports WHERE id = ?").run(oldReport);
          }
        }
      }
    }
    this.stmts.linkDoc.run(reportId, docId);
    this.insertExtraction(docId, report);
    const current = this.decideCurrent(reportId);
    if (!this.regionsDeferred && current === docId) this.resolveRegion(reportId);

    const after = new Map(report.cells.map((c) => [c.key, c]));
    const diff: ExtractionDiff = {
      documentId: docId,
      origin: doc.origin,
      changed: [],
      added: [],
      removed: [],
      rules: [],
    };
    const seen = new Set<string>();
    for (const b of before) {
      seen.add(b.key);
      const a = after.get(b.key);
      if (!a) diff.removed.push(b.key);
      else if (
        a.status !== b.status ||
        a.raw !== b.raw ||
        (a.exact ?? (a.value === null ? null : String(a.value))) !==
          (b.value_exact ?? (b.value === null ? null : String(b.value)))
      )
        diff.changed.push(b.key);
    }
    for (const k of after.keys()) if (!seen.has(k)) diff.added.push(k);
    for (const r of report.rules) {
      const from = rulesBefore.get(r.rule) ?? "none";
      if (from !== r.status) diff.rules.push({ rule: r.rule, from, to: r.status });
    }
    for (const [rule, from] of rulesBefore)
      if (!report.rules.some((r) => r.rule === rule)) diff.rules.push({ rule, from, to: "none" });
    return diff;
  }

  /**
   * Runs replaceExtraction as one committed transaction (for `reprocess`: a kill never leaves a document
   * half re-extracted, and a rerun continues with the documents still on an older version). With
   * `dryRun` the transaction is rolled back: the diff is what would change.
   */
  reprocessDocument(
    docId: number,
    form: string,
    charset: string | undefined,
    report: Report,
    opts: { dryRun?: boolean } = {},
  ): ExtractionDiff {
    if (this.db.inTransaction) throw new Error("reprocessDocument runs outside a batch");
    this.begin();
    try {
      const diff = this.replaceExtraction(docId, form, charset, report);
      this.db.exec(opts.dryRun ? "ROLLBACK" : "COMMIT");
      return diff;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      this.keyIds.clear();
      throw e;
    } finally {
      if (opts.dryRun) this.keyIds.clear();
    }
  }

  /** Where a document's kept bytes are, by its documents.source_dir (relative to the database's folder). */
  sourcePath(sha: string, sourceDir: string | null): string | undefined {
    const dirs = [
      ...(sourceDir ? [resolve(dirname(resolve(this.path)), sourceDir)] : []),
      resolve(defaultDataDir(this.path)),
    ];
    for (const dir of dirs) {
      const p = resolve(dir, sha.slice(0, 2), sha.slice(2));
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  close(): void {
    this.endBatch();
    this.db.close();
  }
}

/** Cells per multi-row INSERT (insertCells). */
const CELL_CHUNK = 32;
/** Parameters a cell binds: CELL_COLUMNS, and with its page and box five more. */
const CELL_PARAMS = 15;
const BOXED_CELL_PARAMS = CELL_PARAMS + 5;

/** The columns of a cell read from any form, in the order insertCells binds them. */
const CELL_COLUMNS = `document_id, key_id, value, status, raw, unit, raw_unit, sign, source_label, confidence, line,
  table_index, row_index, col_index, value_exact`;
/** Where insertCells writes: cells without a page and box (NULL there), and cells with them. */
const CELLS_INTO = `cell_values (${CELL_COLUMNS})`;
const BOXED_CELLS_INTO = `cell_values (${CELL_COLUMNS}, page, bbox_x, bbox_y, bbox_w, bbox_h)`;
/** Where insertExtraction writes a document's rule results (four parameters a row). */
const CHECKS_INTO = "check_results (document_id, rule, status, failures)";

/** A report's version as decideCurrent reads it (versionsOf). */
type VersionRow = VersionCandidate & { status: string; version_reason: string | null };

/** The report a document belongs to: issuer and year, or its origin when either is unknown. */
function identityOf(report: Report, origin: string): string {
  const m = report.meta;
  return m.issuerName && m.reportYear ? `${m.issuerName}|${m.reportYear}` : `origin:${origin}`;
}

/** The report row's fields as one document's extraction gives them. */
function reportFields(report: Report) {
  const m = report.meta;
  return {
    issuer_name: m.issuerName,
    report_year: m.reportYear,
    format_version: report.formatVersion,
    title: m.titleRaw,
    admin_level: m.adminLevel,
    issuer_type: m.issuerType,
    scope: m.scope,
    year_source: m.yearSource,
    has_standard_tables: report.cells.length > 0 ? 1 : 0,
  };
}

type ReportFields = ReturnType<typeof reportFields>;
