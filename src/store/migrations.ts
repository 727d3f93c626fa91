// SQLite schema migrations, applied in order; each runs once and is recorded in schema_migrations.
import Database from "better-sqlite3";
import { valuesTablesSql } from "../analyst/values.js";
import { analystSchemaSql, analystSchemaV6Sql } from "./analyst-schema.js";
import { bboxSchemaSql } from "./bbox-schema.js";
import { dumpSchema, shippedSnapshot } from "./schema-snapshot.js";

// The SQL of migrations 3, 6 and 7 is written from the key catalogue when it is read (a getter): every
// command that opens a database reads this list, few run a migration.
export const MIGRATIONS: { version: number; name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: "documents, reports, cells, checks, flags",
    sql: `
CREATE TABLE documents (
  id            INTEGER PRIMARY KEY,
  sha256        TEXT NOT NULL UNIQUE,
  origin        TEXT NOT NULL,             -- first path or URL the bytes came from
  form          TEXT NOT NULL,             -- html | text | pdf | docx | doc | zip | binary | empty | unknown
  charset       TEXT,
  size          INTEGER NOT NULL,
  status        TEXT NOT NULL,             -- imported | no_tables | failed | superseded
  error_code    TEXT,
  error         TEXT,
  report_id     INTEGER REFERENCES reports(id),
  imported_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TABLE document_origins (
  document_id   INTEGER NOT NULL REFERENCES documents(id),
  origin        TEXT NOT NULL,
  first_seen    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (document_id, origin)
);
CREATE INDEX document_origins_origin ON document_origins(origin);
CREATE TABLE reports (
  id                   INTEGER PRIMARY KEY,
  identity             TEXT NOT NULL UNIQUE,   -- issuer|year, or origin when the issuer is unknown
  issuer_name          TEXT,
  report_year          INTEGER,
  format_version       TEXT NOT NULL,
  title                TEXT,
  admin_level          TEXT NOT NULL,
  issuer_type          TEXT NOT NULL,
  scope                TEXT NOT NULL,
  year_source          TEXT NOT NULL,
  has_standard_tables  INTEGER NOT NULL,
  current_document_id  INTEGER NOT NULL REFERENCES documents(id),
  updated_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX reports_issuer_year ON reports(issuer_name, report_year);
-- Canonical keys are stored once; cell rows carry a small integer key id, which keeps the by-key index
-- compact (bulk inserts touch one index page per cell) and the database small at millions of cells.
CREATE TABLE cell_keys (
  id            INTEGER PRIMARY KEY,
  key           TEXT NOT NULL UNIQUE       -- canonical key, e.g. applications.new_received.total
);
CREATE TABLE cell_values (
  document_id   INTEGER NOT NULL REFERENCES documents(id),
  key_id        INTEGER NOT NULL REFERENCES cell_keys(id),
  value         REAL,                      -- count, or yuan for money; NULL unless status = 'number'
  status        TEXT NOT NULL,             -- number | blank | dash | slash | text
  raw           TEXT NOT NULL,             -- the printed cell text
  unit          TEXT,
  raw_unit      TEXT,
  sign          TEXT,
  source_label  TEXT,
  confidence    REAL NOT NULL,
  page INTEGER, line INTEGER, table_index INTEGER, row_index INTEGER, col_index INTEGER,
  PRIMARY KEY (document_id, key_id)
) WITHOUT ROWID;
CREATE INDEX cell_values_key ON cell_values(key_id);
-- cells: one row per printed cell of one document version, with the key as text.
CREATE VIEW cells AS
  SELECT v.document_id, k.key, v.value, v.status, v.raw, v.unit, v.raw_unit, v.sign, v.source_label,
         v.confidence, v.page, v.line, v.table_index, v.row_index, v.col_index
  FROM cell_values v JOIN cell_keys k ON k.id = v.key_id;
CREATE TABLE check_results (
  document_id   INTEGER NOT NULL REFERENCES documents(id),
  rule          TEXT NOT NULL,             -- R1 | R2 | R3 | R5 | R12
  status        TEXT NOT NULL,             -- pass | fail | unknown
  failures      TEXT NOT NULL,             -- JSON array of failing instances
  PRIMARY KEY (document_id, rule)
) WITHOUT ROWID;
CREATE TABLE flags (
  id            INTEGER PRIMARY KEY,
  document_id   INTEGER NOT NULL REFERENCES documents(id),
  code          TEXT NOT NULL,
  severity      TEXT NOT NULL,
  message       TEXT NOT NULL,
  keys          TEXT,                      -- JSON array of canonical keys or key prefixes covered
  position      TEXT                       -- JSON source position
);
CREATE INDEX flags_document ON flags(document_id);
CREATE TABLE prose (
  document_id   INTEGER PRIMARY KEY REFERENCES documents(id),
  text          TEXT NOT NULL
);
CREATE VIEW current_cells AS
  SELECT r.id AS report_id, r.issuer_name, r.report_year, r.format_version, c.*
  FROM reports r JOIN cells c ON c.document_id = r.current_document_id;
`,
  },
  {
    version: 2,
    name: "crawler: frontier, fetches, runs, lock",
    sql: `
CREATE TABLE crawl_runs (
  id                   INTEGER PRIMARY KEY,
  started_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  ended_at             TEXT,
  status               TEXT NOT NULL,        -- running | ok | partial | failed | interrupted
  pid                  INTEGER NOT NULL,
  sources_file         TEXT,
  pass                 INTEGER NOT NULL,     -- crawl pass worked on; a resumed run keeps the pass
  resumed              INTEGER NOT NULL DEFAULT 0,
  discovered           INTEGER NOT NULL DEFAULT 0,  -- URLs added to the frontier
  fetched              INTEGER NOT NULL DEFAULT 0,  -- responses with a body (200)
  not_modified         INTEGER NOT NULL DEFAULT 0,  -- 304 answers to conditional requests
  skipped              INTEGER NOT NULL DEFAULT 0,  -- robots.txt or limits
  new_reports          INTEGER NOT NULL DEFAULT 0,
  changed_reports      INTEGER NOT NULL DEFAULT 0,
  unchanged_documents  INTEGER NOT NULL DEFAULT 0,
  failed               INTEGER NOT NULL DEFAULT 0,
  bytes                INTEGER NOT NULL DEFAULT 0,
  failures             TEXT NOT NULL DEFAULT '[]', -- JSON array of {url, reason}
  error                TEXT                  -- why the run as a whole failed
);
CREATE TABLE crawl_frontier (
  id          INTEGER PRIMARY KEY,
  url         TEXT NOT NULL UNIQUE,
  host        TEXT NOT NULL,
  source      TEXT NOT NULL,
  kind        TEXT NOT NULL,                 -- list | report | attachment
  depth       INTEGER NOT NULL,
  redirects   INTEGER NOT NULL DEFAULT 0,
  parent      TEXT,
  pass        INTEGER NOT NULL,
  state       TEXT NOT NULL,                 -- pending | queued | done | failed | skipped
  reason      TEXT,
  first_seen  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX crawl_frontier_state ON crawl_frontier(state, host);
CREATE INDEX crawl_frontier_source ON crawl_frontier(source, pass);
CREATE TABLE crawl_fetches (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER REFERENCES crawl_runs(id),
  url            TEXT NOT NULL,
  final_url      TEXT,                       -- after same-host redirects
  fetched_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  status         INTEGER,                    -- HTTP status; NULL when no response came
  outcome        TEXT NOT NULL,              -- fetched | not_modified | redirect | failed
  headers        TEXT,                       -- JSON object of the response headers
  etag           TEXT,
  last_modified  TEXT,
  size           INTEGER,
  sha256         TEXT,                       -- raw bytes, stored under the data folder by this hash
  document_id    INTEGER REFERENCES documents(id),
  error          TEXT,
  ms             INTEGER
);
CREATE INDEX crawl_fetches_url ON crawl_fetches(url, id);
CREATE INDEX crawl_fetches_sha ON crawl_fetches(sha256);
CREATE TABLE crawl_lock (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  pid           INTEGER NOT NULL,
  hostname      TEXT NOT NULL,
  run_id        INTEGER,
  acquired_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  heartbeat_ms  INTEGER NOT NULL             -- epoch milliseconds of the holder's last heartbeat
);
`,
  },
  {
    version: 3,
    name: "analyst layer: regions, corrections, key catalogue, prose search, views",
    get sql() {
      return analystSchemaSql();
    },
  },
  {
    version: 4,
    name: "bulk loads in progress",
    sql: `
-- A row while a bulk load runs (Store.beginBatch): documents after from_document_id still lack their
-- cells-by-key index entries, prose search rows and regions, which the end of the load (or the next
-- open of the database once no loading process is alive, after a crash) adds.
CREATE TABLE bulk_loads (
  from_document_id INTEGER NOT NULL,
  pid              INTEGER NOT NULL,          -- the loading process
  started_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
`,
  },
  {
    version: 5,
    name: "exact values, kept sources, extraction versions, version choice",
    sql: `
-- Cell values are rebuilt with NUMERIC affinity: a count is stored as an INTEGER (sqlite3, pandas and
-- Excel show 75, not 75.0); money keeps its exact decimal text in value_exact beside the number.
PRAGMA legacy_alter_table = ON;
ALTER TABLE cell_values RENAME TO cell_values_v4;
CREATE TABLE cell_values (
  document_id   INTEGER NOT NULL REFERENCES documents(id),
  key_id        INTEGER NOT NULL REFERENCES cell_keys(id),
  value         NUMERIC,                   -- count (INTEGER), or yuan for money; NULL unless status = 'number'
  status        TEXT NOT NULL,             -- number | blank | dash | slash | text
  raw           TEXT NOT NULL,             -- the printed cell text
  unit          TEXT,
  raw_unit      TEXT,
  sign          TEXT,
  source_label  TEXT,
  confidence    REAL NOT NULL,
  page INTEGER, line INTEGER, table_index INTEGER, row_index INTEGER, col_index INTEGER,
  value_exact   TEXT,                      -- money: the exact decimal yuan scaled from the printed digits
  PRIMARY KEY (document_id, key_id)
) WITHOUT ROWID;
INSERT INTO cell_values (document_id, key_id, value, status, raw, unit, raw_unit, sign, source_label,
  confidence, page, line, table_index, row_index, col_index)
SELECT document_id, key_id, value, status, raw, unit, raw_unit, sign, source_label, confidence, page, line,
  table_index, row_index, col_index FROM cell_values_v4;
DROP TABLE cell_values_v4;
-- Corrected values likewise: a corrected count is an INTEGER.
ALTER TABLE corrections RENAME TO corrections_v4;
CREATE TABLE corrections (
  id                INTEGER PRIMARY KEY,
  report_id         INTEGER NOT NULL REFERENCES reports(id),
  report_identity   TEXT NOT NULL,
  key               TEXT NOT NULL,
  value             NUMERIC,                  -- NULL unless status = 'number'
  status            TEXT NOT NULL,            -- number | blank | dash | slash | reverted
  note              TEXT NOT NULL,
  document_id       INTEGER,                  -- the current document when the correction was made
  extracted_value   NUMERIC,
  extracted_status  TEXT,
  author            TEXT,
  active            INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO corrections SELECT * FROM corrections_v4;
DROP TABLE corrections_v4;
CREATE INDEX corrections_active ON corrections(report_id, key) WHERE active = 1;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX IF NOT EXISTS cell_values_key_value ON cell_values(key_id, document_id, value, status);
DROP VIEW cells;
CREATE VIEW cells AS
  SELECT v.document_id, k.key, v.value, v.status, v.raw, v.unit, v.raw_unit, v.sign, v.source_label,
         v.confidence, v.page, v.line, v.table_index, v.row_index, v.col_index, v.value_exact
  FROM cell_values v JOIN cell_keys k ON k.id = v.key_id;

-- Which extraction produced a document's cells (NULL: before versions were recorded), and where its
-- bytes are kept: the folder of the content-addressed store, relative to the database's folder when
-- inside it (NULL: not kept).
ALTER TABLE documents ADD COLUMN extraction_version INTEGER;
ALTER TABLE documents ADD COLUMN source_dir TEXT;
-- The report fields this document's extraction gave (JSON), so that any version can become current again.
ALTER TABLE documents ADD COLUMN report_fields TEXT;
-- Cells the extraction found (0: no standard tables): evidence for the version choice.
ALTER TABLE documents ADD COLUMN cells INTEGER;
-- Why this document is or is not its report's current version.
ALTER TABLE documents ADD COLUMN version_reason TEXT;
-- A version chosen by a person (zfxxgk versions --pin), and why the current version is current.
ALTER TABLE reports ADD COLUMN pinned_document_id INTEGER REFERENCES documents(id);
ALTER TABLE reports ADD COLUMN version_reason TEXT;
CREATE INDEX documents_report ON documents(report_id);
CREATE INDEX documents_extraction_version ON documents(extraction_version);
`,
  },
  {
    version: 6,
    name: "issuers, stored effective and derived values, indexed analyst views, FTS for Datasette",
    get sql() {
      return analystSchemaV6Sql(valuesTablesSql());
    },
  },
  {
    version: 7,
    name: "PDF cell boxes",
    get sql() {
      return bboxSchemaSql();
    },
  },
];

/** Names the migrations a schema snapshot was dumped from. */
export function migrationsStamp(): string {
  return `zfxxgk schema snapshot of migrations ${MIGRATIONS.map((m) => `${m.version} (${m.name})`).join(", ")}`;
}

/** The schema and rows every migration leaves in an empty database, as one script (see schema-snapshot.ts). */
export function schemaSnapshot(): string {
  const db = new Database(":memory:");
  try {
    db.pragma("foreign_keys = ON");
    migrate(db, { replay: true });
    return dumpSchema(db, migrationsStamp());
  } finally {
    db.close();
  }
}

/**
 * Applies the migrations a database lacks. An empty database gets the shipped snapshot of them all in
 * one step (`replay` forces the migrations one by one, as the snapshot itself is made).
 */
export function migrate(db: Database.Database, opts: { replay?: boolean } = {}): number {
  const applied = (): Set<number> =>
    new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").get()
        ? (db.prepare("SELECT version FROM schema_migrations").pluck().all() as number[])
        : [],
    );
  const done = applied();
  if (MIGRATIONS.every((m) => done.has(m.version))) return 0; // the usual open: nothing to write
  // BEGIN IMMEDIATE: another process migrating at the same time is waited for, and what it applied is
  // not applied twice.
  return db
    .transaction(() => {
      if (!opts.replay && db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() === 0) {
        const snapshot = shippedSnapshot(migrationsStamp());
        if (snapshot) {
          db.exec(snapshot);
          return MIGRATIONS.length;
        }
      }
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))`);
      const now = applied();
      let n = 0;
      for (const m of MIGRATIONS) {
        if (now.has(m.version)) continue;
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)").run(m.version, m.name);
        n++;
      }
      return n;
    })
    .immediate();
}
