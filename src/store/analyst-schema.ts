// Schema of the analyst layer (migration 3): regions, corrections, key catalogue, prose search and views.
import { derivedTerms, keyCatalog } from "../analyst/catalog.js";

/** The kind of a report (reports r): a place's government-wide report, its office's, a department's, … */
export const REPORT_KIND = `CASE
    WHEN r.issuer_type = 'people_government' AND r.admin_level IN ('national','provincial','prefecture','county') THEN 'government'
    WHEN r.issuer_type = 'town_street' OR (r.issuer_type = 'people_government' AND r.admin_level = 'township') THEN 'township'
    WHEN r.issuer_type IN ('government_office','department','functional_zone') THEN r.issuer_type
    ELSE 'other'
  END`;

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Column name of a key in a wide view: the key without its table prefix, dots as double underscores. */
export function wideColumn(key: string): string {
  return key.split(".").slice(1).join("__");
}

/**
 * Effective value of one key for the report row `o` (columns report_id, document_id): the active human
 * correction when there is one, otherwise the extracted cell. Written as correlated look-ups so that a
 * wide view computes only the columns a query selects.
 */
function effectiveExpr(key: string): string {
  const k = q(key);
  return `IIF(EXISTS (SELECT 1 FROM corrections k WHERE k.report_id = o.report_id AND k.key = ${k} AND k.active = 1),
    (SELECT k.value FROM corrections k WHERE k.report_id = o.report_id AND k.key = ${k} AND k.active = 1),
    (SELECT c.value FROM cells c WHERE c.document_id = o.document_id AND c.key = ${k}))`;
}

/**
 * A derived key for the report row `o`: the sum of its terms when every term is a number (a cell's value
 * is NULL unless its status is number), else NULL; the first complete variant wins.
 */
export function derivedExpr(key: string): string {
  const d = derivedTerms().find((x) => x.key === key)!;
  const variants = d.variants.map(
    (terms) => `(SELECT IIF(count(*) = ${terms.length} AND count(v) = ${terms.length}, sum(v), NULL) FROM (
      SELECT IIF(k.id IS NULL, c.value, k.value) AS v FROM cells c
      LEFT JOIN corrections k ON k.report_id = o.report_id AND k.key = c.key AND k.active = 1
      WHERE c.document_id = o.document_id AND c.key IN (${terms.map(q).join(", ")})))`,
  );
  return variants.length === 1 ? variants[0] : `COALESCE(${variants.join(", ")})`;
}

function wideView(name: string, table: string): string {
  const derived = new Set(derivedTerms().map((d) => d.key));
  const cols = keyCatalog()
    .filter((k) => k.table === table)
    .map((k) => {
      // A derived key that some version prints (（六）其他处理) reads the printed cell first.
      const printed = k.gop2019 === "printed" || k.gop2021 === "printed";
      const expr = !derived.has(k.key)
        ? effectiveExpr(k.key)
        : printed
          ? `COALESCE(${effectiveExpr(k.key)}, ${derivedExpr(k.key)})`
          : derivedExpr(k.key);
      return `  ${expr} AS ${wideColumn(k.key)}`;
    });
  return `CREATE VIEW ${name} AS
SELECT o.report_id, o.issuer_name, o.report_year, o.format_version, o.admin_level, o.issuer_type, o.scope,
  o.report_kind, o.province_code, o.province_name, o.prefecture_code, o.prefecture_name, o.county_code,
  o.county_name, o.township_name, o.region_code, o.region_name, o.region_level, o.rules_failed,
  (SELECT group_concat(k.key, ' ') FROM corrections k WHERE k.report_id = o.report_id AND k.active = 1
     AND k.key LIKE ${q(`${table}.%`)}) AS corrected_keys,
${cols.join(",\n")}
FROM report_overview o;`;
}

function catalogRows(): string {
  return keyCatalog()
    .map(
      (k) =>
        `(${[k.key, k.table, k.label, k.gop2019, k.gop2021, k.comparability].map(q).join(", ")}, ${k.nearKey ? q(k.nearKey) : "NULL"}, ${q(k.note)}, ${k.order})`,
    )
    .join(",\n");
}

function derivedRows(): string {
  const rows: string[] = [];
  for (const d of derivedTerms())
    d.variants.forEach((terms, v) => {
      for (const t of terms) rows.push(`(${q(d.key)}, ${v}, ${q(t)}, ${terms.length})`);
    });
  return rows.join(",\n");
}

/**
 * The two structures a bulk load (Store.beginBatch) drops and rebuilds at its end, because keeping
 * them up to date row by row costs more than the rest of a document's write.
 */
export const CELLS_BY_KEY_INDEX =
  "CREATE INDEX IF NOT EXISTS cell_values_key_value ON cell_values(key_id, document_id, value, status)";
export const PROSE_FTS_INSERT_TRIGGER = `CREATE TRIGGER IF NOT EXISTS prose_fts_insert AFTER INSERT ON prose BEGIN
  INSERT INTO prose_fts(rowid, text) VALUES (new.document_id, new.text);
END`;

/** Keep the search index in step with prose rows that are deleted or rewritten (migrations 3 and 6). */
const PROSE_FTS_SYNC_TRIGGERS = `CREATE TRIGGER prose_fts_delete AFTER DELETE ON prose BEGIN
  INSERT INTO prose_fts(prose_fts, rowid, text) VALUES ('delete', old.document_id, old.text);
END;
CREATE TRIGGER prose_fts_update AFTER UPDATE ON prose BEGIN
  INSERT INTO prose_fts(prose_fts, rowid, text) VALUES ('delete', old.document_id, old.text);
  INSERT INTO prose_fts(rowid, text) VALUES (new.document_id, new.text);
END;`;

export function analystSchemaSql(): string {
  return `
-- Region of each report's issuer (GB/T 2260), recomputed when the report gets a new current document.
CREATE TABLE report_regions (
  report_id        INTEGER PRIMARY KEY REFERENCES reports(id),
  document_id      INTEGER NOT NULL,          -- the current document it was resolved for
  status           TEXT NOT NULL,             -- resolved | partial | unresolved
  region_code      TEXT,                      -- GB/T 2260 code of the issuer's place (county code for townships); NULL unless resolved
  region_name      TEXT,
  region_level     TEXT,                      -- province | prefecture | county | township
  province_code    TEXT, province_name   TEXT,
  prefecture_code  TEXT, prefecture_name TEXT,
  county_code      TEXT, county_name     TEXT,
  township_code    TEXT, township_name   TEXT, -- 9-digit statistical code of a township
  method           TEXT,                      -- name | name+host | name+text | …
  confidence       REAL NOT NULL,
  reason           TEXT,                      -- why it is partial or unresolved, or how an ambiguity was settled
  resolved_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX report_regions_region ON report_regions(region_code);
CREATE INDEX report_regions_province ON report_regions(province_code);

-- Human corrections, kept apart from the extracted cells; the latest per report and key is active.
CREATE TABLE corrections (
  id                INTEGER PRIMARY KEY,
  report_id         INTEGER NOT NULL REFERENCES reports(id),
  report_identity   TEXT NOT NULL,
  key               TEXT NOT NULL,
  value             REAL,                     -- NULL unless status = 'number'
  status            TEXT NOT NULL,            -- number | blank | dash | slash | reverted
  note              TEXT NOT NULL,
  document_id       INTEGER,                  -- the current document when the correction was made
  extracted_value   REAL,
  extracted_status  TEXT,
  author            TEXT,
  active            INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX corrections_active ON corrections(report_id, key) WHERE active = 1;

-- Every canonical key (printed and derived) with its comparability across GOP2019 and GOP2021.
CREATE TABLE key_catalog (
  key            TEXT PRIMARY KEY,
  table_name     TEXT NOT NULL,
  label          TEXT NOT NULL,
  gop2019        TEXT NOT NULL,               -- printed | derived | absent
  gop2021        TEXT NOT NULL,
  comparability  TEXT NOT NULL,               -- comparable | caution | not_comparable
  near_key       TEXT,
  note           TEXT NOT NULL,
  sort_order     INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO key_catalog VALUES
${catalogRows()};

-- Terms of each derived key; a variant is used only when all its terms are printed numbers.
CREATE TABLE derived_terms (
  derived_key  TEXT NOT NULL,
  variant      INTEGER NOT NULL,
  term_key     TEXT NOT NULL,
  n_terms      INTEGER NOT NULL,
  PRIMARY KEY (derived_key, variant, term_key)
) WITHOUT ROWID;
INSERT INTO derived_terms VALUES
${derivedRows()};
CREATE INDEX derived_terms_term ON derived_terms(term_key);

-- Full-text search over report prose (trigram: any substring of 3+ characters).
CREATE VIRTUAL TABLE prose_fts USING fts5(text, content='prose', content_rowid='document_id', tokenize='trigram');
INSERT INTO prose_fts(prose_fts) VALUES ('rebuild');
${PROSE_FTS_INSERT_TRIGGER};
${PROSE_FTS_SYNC_TRIGGERS}

CREATE INDEX reports_current_document ON reports(current_document_id);
-- compare reads one key for every report: a covering index makes that one contiguous range instead of one
-- random table look-up per report. It also serves every look-up by key, so it replaces cell_values_key.
${CELLS_BY_KEY_INDEX};
DROP INDEX cell_values_key;
CREATE INDEX reports_year ON reports(report_year);
-- compare by issuer walks this index: issuers in order (no sort) and the current document without
-- reading the reports table.
CREATE INDEX reports_issuer_document ON reports(issuer_name, report_year, current_document_id);

-- One row per report: metadata, region, kind (government-wide, office, department, township, zone).
CREATE VIEW report_overview AS
SELECT r.id AS report_id, r.identity, r.issuer_name, r.report_year, r.format_version, r.admin_level,
  r.issuer_type, r.scope,
  ${REPORT_KIND} AS report_kind,
  g.region_code, g.region_name, g.region_level, g.province_code, g.province_name, g.prefecture_code,
  g.prefecture_name, g.county_code, g.county_name, g.township_code, g.township_name,
  IFNULL(g.status, 'unresolved') AS region_status,
  IIF(g.report_id IS NULL, 'not resolved yet', g.reason) AS region_reason,
  r.title, r.has_standard_tables, r.year_source, r.current_document_id AS document_id, d.origin, d.form,
  (SELECT group_concat(x.rule, ',') FROM check_results x WHERE x.document_id = r.current_document_id AND x.status = 'fail') AS rules_failed
FROM reports r
LEFT JOIN report_regions g ON g.report_id = r.id
LEFT JOIN documents d ON d.id = r.current_document_id;

-- Printed cells of each report's current version with active corrections applied, plus corrections of
-- keys the extraction did not find.
CREATE VIEW effective_cells AS
SELECT r.id AS report_id, c.document_id, c.key,
  IIF(k.id IS NULL, c.value, k.value) AS value, IIF(k.id IS NULL, c.status, k.status) AS status,
  k.id IS NOT NULL AS corrected, c.value AS extracted_value, c.status AS extracted_status, c.raw, c.unit,
  c.raw_unit, c.sign, c.source_label, c.confidence, c.page, c.line, c.table_index, c.row_index, c.col_index
FROM reports r JOIN cells c ON c.document_id = r.current_document_id
LEFT JOIN corrections k ON k.report_id = r.id AND k.key = c.key AND k.active = 1
UNION ALL
SELECT k.report_id, r.current_document_id, k.key, k.value, k.status, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL
FROM corrections k JOIN reports r ON r.id = k.report_id
WHERE k.active = 1
  AND NOT EXISTS (SELECT 1 FROM cells c WHERE c.document_id = r.current_document_id AND c.key = k.key);

-- Derived keys: sums over printed numbers only; none where any term is blank, dash, slash or missing,
-- and none where the report prints the key itself.
CREATE VIEW derived_cells AS
SELECT report_id, document_id, key, value, 'derived' AS status, corrected FROM (
  SELECT report_id, document_id, key, value, corrected, MIN(variant) AS variant FROM (
    SELECT e.report_id, e.document_id, t.derived_key AS key, t.variant, SUM(e.value) AS value,
      MAX(e.corrected) AS corrected, COUNT(*) AS n, SUM(e.status = 'number') AS numbers, MAX(t.n_terms) AS n_terms
    FROM derived_terms t JOIN effective_cells e ON e.key = t.term_key
    GROUP BY e.report_id, t.derived_key, t.variant
  ) WHERE n = n_terms AND numbers = n_terms
  GROUP BY report_id, key
) d
WHERE NOT EXISTS (SELECT 1 FROM effective_cells p WHERE p.report_id = d.report_id AND p.key = d.key);

-- The long view: one row per report and key (printed, corrected or derived), with report metadata, region,
-- where the value came from and the rules that failed on it.
CREATE VIEW cells_long AS
SELECT o.report_id, o.issuer_name, o.report_year, o.format_version, o.admin_level, o.issuer_type, o.scope,
  o.report_kind, o.region_code, o.region_name, o.region_level, o.province_code, o.province_name,
  o.prefecture_code, o.prefecture_name, o.county_code, o.county_name, o.township_name,
  e.key, e.value, e.status, e.corrected, e.extracted_value, e.extracted_status, e.raw, e.unit, e.raw_unit,
  e.sign, e.source_label, e.confidence, e.page, e.line, e.table_index, e.row_index, e.col_index,
  (SELECT k.note FROM corrections k WHERE k.report_id = e.report_id AND k.key = e.key AND k.active = 1) AS correction_note,
  (SELECT group_concat(substr(f.code, 1, instr(f.code, '_') - 1), ',') FROM flags f
     WHERE f.document_id = e.document_id AND f.code GLOB 'R*_fail'
       AND EXISTS (SELECT 1 FROM json_each(f.keys) j WHERE e.key = j.value OR e.key LIKE j.value || '.%')) AS rules_failed,
  e.document_id
FROM effective_cells e
JOIN report_overview o ON o.report_id = e.report_id
UNION ALL
SELECT o.report_id, o.issuer_name, o.report_year, o.format_version, o.admin_level, o.issuer_type, o.scope,
  o.report_kind, o.region_code, o.region_name, o.region_level, o.province_code, o.province_name,
  o.prefecture_code, o.prefecture_name, o.county_code, o.county_name, o.township_name,
  d.key, d.value, d.status, d.corrected,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d.document_id
FROM derived_cells d
JOIN report_overview o ON o.report_id = d.report_id;

-- Per key: is it comparable across GOP2019 and GOP2021?
CREATE VIEW key_comparability AS
SELECT key, table_name, label, gop2019, gop2021, comparability, near_key, note
FROM key_catalog ORDER BY sort_order;

${wideView("active_wide", "active")}

${wideView("applications_wide", "applications")}

${wideView("appeals_wide", "appeals")}
`;
}

/** The report columns every analyst view starts with (from report_overview `o`). */
const OVERVIEW_COLUMNS = `o.report_id, o.issuer_name, o.issuer_id, o.issuer, o.report_year, o.format_version, o.admin_level,
  o.issuer_type, o.scope, o.report_kind`;

const CELLS_LONG_OVERVIEW = `${OVERVIEW_COLUMNS}, o.region_code, o.region_name, o.region_level, o.province_code,
  o.province_name, o.prefecture_code, o.prefecture_name, o.county_code, o.county_name, o.township_name`;

function wideViewV6(table: "active" | "applications" | "appeals"): string {
  const cols = keyCatalog()
    .filter((k) => k.table === table)
    .map((k) => `w.${wideColumn(k.key)}`);
  return `CREATE VIEW ${table}_wide AS
SELECT ${OVERVIEW_COLUMNS}, o.province_code, o.province_name, o.prefecture_code, o.prefecture_name, o.county_code,
  o.county_name, o.township_name, o.region_code, o.region_name, o.region_level, o.rules_failed, w.corrected_keys,
  ${cols.join(", ")}
FROM report_overview o LEFT JOIN ${table}_values w ON w.report_id = o.report_id;`;
}

/**
 * Migration 6: issuers as entities, stored effective and derived values, views that answer a filter on
 * one report, one issuer or one key by index, the full-text index declared the way Datasette and
 * sqlite-utils detect it, and foreign keys on the links that lacked them.
 */
export function analystSchemaV6Sql(valuesTablesSql: string): string {
  return `
DROP VIEW IF EXISTS cells_long;
DROP VIEW IF EXISTS derived_cells;
DROP VIEW IF EXISTS effective_cells;
DROP VIEW IF EXISTS active_wide;
DROP VIEW IF EXISTS applications_wide;
DROP VIEW IF EXISTS appeals_wide;
DROP VIEW IF EXISTS report_overview;

-- Government bodies: one row per body across years and name variants.
CREATE TABLE issuers (
  id              INTEGER PRIMARY KEY,
  canonical_name  TEXT NOT NULL,             -- the cleaned name of its latest report
  region_code     TEXT,                      -- GB/T 2260 code of its place today (9 digits for a township)
  region_name     TEXT,
  admin_level     TEXT NOT NULL,             -- national | provincial | prefecture | county | township | unknown
  issuer_type     TEXT NOT NULL,             -- people_government | government_office | department | …
  body            TEXT NOT NULL,             -- the name after its place names: 人民政府, 教育局
  tail            TEXT NOT NULL,             -- the last place name with the body: 洪泽区人民政府, 白沙镇人民政府
  match_key       TEXT NOT NULL,             -- place|type|body, or manual:… after a split by hand
  first_year      INTEGER,
  last_year       INTEGER,
  reports         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX issuers_match ON issuers(match_key);
CREATE INDEX issuers_name ON issuers(canonical_name);
CREATE INDEX issuers_region ON issuers(region_code, issuer_type);
CREATE INDEX issuers_tail ON issuers(issuer_type, tail);
-- Every name variant a document gave an issuer, and why it was linked.
CREATE TABLE issuer_aliases (
  document_id  INTEGER PRIMARY KEY REFERENCES documents(id),
  issuer_id    INTEGER NOT NULL REFERENCES issuers(id),
  report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  report_year  INTEGER,
  name         TEXT,                         -- cleaned of page noise
  raw_name     TEXT,                         -- as the document gave it
  reason       TEXT NOT NULL                 -- how the name was matched to the issuer
);
CREATE INDEX issuer_aliases_issuer ON issuer_aliases(issuer_id);
CREATE INDEX issuer_aliases_report ON issuer_aliases(report_id);
-- Merges and splits by hand (zfxxgk issuers), kept apart from the automatic matching like corrections.
CREATE TABLE issuer_overrides (
  id           INTEGER PRIMARY KEY,
  action       TEXT NOT NULL,                -- merge | split
  name         TEXT NOT NULL,                -- a report issuer name (cleaned) the override moves
  target_name  TEXT,                         -- merge: an issuer name of the body it joins
  note         TEXT NOT NULL,
  author       TEXT,
  active       INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX issuer_overrides_name ON issuer_overrides(name) WHERE active = 1;
ALTER TABLE reports ADD COLUMN issuer_id INTEGER REFERENCES issuers(id);
CREATE INDEX reports_issuer_id ON reports(issuer_id, report_year);

-- Effective values (corrections applied, derived keys included), one row per report and table; kept up to
-- date by src/analyst/values.ts whenever a report is written, superseded or corrected.
${valuesTablesSql}
-- Opening a database compares the newest document with stored values against the newest current one.
CREATE INDEX applications_values_document ON applications_values(document_id);
-- Derived keys of each report's current version (none where the report has a cell of the key).
CREATE TABLE derived_values (
  report_id    INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  key          TEXT NOT NULL REFERENCES key_catalog(key),
  document_id  INTEGER NOT NULL REFERENCES documents(id),
  value,
  corrected    INTEGER NOT NULL,             -- a term was corrected by hand
  PRIMARY KEY (report_id, key)
) WITHOUT ROWID;
CREATE INDEX derived_values_key ON derived_values(key, report_id);

-- Links that had no foreign key: rebuilt with one.
CREATE TABLE report_regions_v6 (
  report_id        INTEGER PRIMARY KEY REFERENCES reports(id),
  document_id      INTEGER NOT NULL REFERENCES documents(id),
  status           TEXT NOT NULL,
  region_code      TEXT,
  region_name      TEXT,
  region_level     TEXT,
  province_code    TEXT, province_name   TEXT,
  prefecture_code  TEXT, prefecture_name TEXT,
  county_code      TEXT, county_name     TEXT,
  township_code    TEXT, township_name   TEXT,
  method           TEXT,
  confidence       REAL NOT NULL,
  reason           TEXT,
  resolved_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO report_regions_v6 SELECT * FROM report_regions;
DROP TABLE report_regions;
ALTER TABLE report_regions_v6 RENAME TO report_regions;
CREATE INDEX report_regions_region ON report_regions(region_code);
CREATE INDEX report_regions_province ON report_regions(province_code);
CREATE TABLE corrections_v6 (
  id                INTEGER PRIMARY KEY,
  report_id         INTEGER NOT NULL REFERENCES reports(id),
  report_identity   TEXT NOT NULL,
  key               TEXT NOT NULL REFERENCES key_catalog(key),
  value             NUMERIC,                  -- NULL unless status = 'number' (a count is an INTEGER)
  status            TEXT NOT NULL,
  note              TEXT NOT NULL,
  document_id       INTEGER REFERENCES documents(id),
  extracted_value   NUMERIC,
  extracted_status  TEXT,
  author            TEXT,
  active            INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO corrections_v6 SELECT * FROM corrections;
DROP TABLE corrections;
ALTER TABLE corrections_v6 RENAME TO corrections;
CREATE INDEX corrections_active ON corrections(report_id, key) WHERE active = 1;
CREATE INDEX corrections_key ON corrections(key) WHERE active = 1;
CREATE TABLE derived_terms_v6 (
  derived_key  TEXT NOT NULL REFERENCES key_catalog(key),
  variant      INTEGER NOT NULL,
  term_key     TEXT NOT NULL REFERENCES key_catalog(key),
  n_terms      INTEGER NOT NULL,
  PRIMARY KEY (derived_key, variant, term_key)
) WITHOUT ROWID;
INSERT INTO derived_terms_v6 SELECT * FROM derived_terms;
DROP TABLE derived_terms;
ALTER TABLE derived_terms_v6 RENAME TO derived_terms;
CREATE INDEX derived_terms_term ON derived_terms(term_key);

-- The full-text index declared with content="prose", the form Datasette and sqlite-utils detect.
DROP TRIGGER IF EXISTS prose_fts_insert;
DROP TRIGGER IF EXISTS prose_fts_delete;
DROP TRIGGER IF EXISTS prose_fts_update;
DROP TABLE prose_fts;
CREATE VIRTUAL TABLE prose_fts USING fts5(text, content="prose", content_rowid="document_id", tokenize="trigram");
INSERT INTO prose_fts(prose_fts) VALUES ('rebuild');
${PROSE_FTS_INSERT_TRIGGER};
${PROSE_FTS_SYNC_TRIGGERS}

-- One row per report: metadata, issuer, region, kind.
CREATE VIEW report_overview AS
SELECT r.id AS report_id, r.identity, r.issuer_name, r.issuer_id, i.canonical_name AS issuer, r.report_year,
  r.format_version, r.admin_level, r.issuer_type, r.scope,
  ${REPORT_KIND} AS report_kind,
  g.region_code, g.region_name, g.region_level, g.province_code, g.province_name, g.prefecture_code,
  g.prefecture_name, g.county_code, g.county_name, g.township_code, g.township_name,
  IFNULL(g.status, 'unresolved') AS region_status,
  IIF(g.report_id IS NULL, 'not resolved yet', g.reason) AS region_reason,
  r.title, r.has_standard_tables, r.year_source, r.current_document_id AS document_id, d.origin, d.form,
  (SELECT group_concat(x.rule, ',') FROM check_results x WHERE x.document_id = r.current_document_id AND x.status = 'fail') AS rules_failed
FROM reports r
LEFT JOIN issuers i ON i.id = r.issuer_id
LEFT JOIN report_regions g ON g.report_id = r.id
LEFT JOIN documents d ON d.id = r.current_document_id;

${effectiveCellsView(false)}

-- Derived keys, as stored when the report was written or corrected.
CREATE VIEW derived_cells AS
SELECT d.report_id, d.document_id, d.key, d.value, 'derived' AS status, d.corrected, r.issuer_id
FROM derived_values d JOIN reports r ON r.id = d.report_id;

${cellsLongView(false)}

${wideViewV6("active")}

${wideViewV6("applications")}

${wideViewV6("appeals")}
`;
}

/**
 * The effective_cells view of migration 6; with `box` (migration 7) each PDF cell's box on its page
 * is appended as its last columns.
 */
export function effectiveCellsView(box: boolean): string {
  return `-- Printed cells of each report's current version with active corrections applied (one index look-up
-- each), plus corrections of keys the extraction did not find.
CREATE VIEW effective_cells AS
SELECT r.id AS report_id, c.document_id, k.key,
  IIF(x.id IS NULL, c.value, x.value) AS value, IIF(x.id IS NULL, c.status, x.status) AS status,
  x.id IS NOT NULL AS corrected, c.value AS extracted_value, c.status AS extracted_status, c.raw, c.unit,
  c.raw_unit, c.sign, c.source_label, c.confidence, c.page, c.line, c.table_index, c.row_index, c.col_index,
  r.issuer_id${box ? ", c.bbox_x, c.bbox_y, c.bbox_w, c.bbox_h" : ""}
FROM reports r JOIN cell_values c ON c.document_id = r.current_document_id
JOIN cell_keys k ON k.id = c.key_id
LEFT JOIN corrections x ON x.report_id = r.id AND x.key = k.key AND x.active = 1
UNION ALL
SELECT x.report_id, r.current_document_id, x.key, x.value, x.status, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, r.issuer_id${box ? ", NULL, NULL, NULL, NULL" : ""}
FROM corrections x JOIN reports r ON r.id = x.report_id
WHERE x.active = 1
  AND NOT EXISTS (SELECT 1 FROM cell_values c JOIN cell_keys k ON k.id = c.key_id
    WHERE c.document_id = r.current_document_id AND k.key = x.key);`;
}

/** The cells_long view of migration 6; with `box` (migration 7) the cell boxes are appended. */
export function cellsLongView(box: boolean): string {
  return `-- The long view: each arm is a plain join (no compound subquery inside), so that a filter on a report,
-- an issuer or a key reaches an index in every arm.
CREATE VIEW cells_long AS
SELECT ${CELLS_LONG_OVERVIEW},
  k.key, IIF(x.id IS NULL, c.value, x.value) AS value, IIF(x.id IS NULL, c.status, x.status) AS status,
  x.id IS NOT NULL AS corrected, c.value AS extracted_value, c.status AS extracted_status, c.raw, c.unit, c.raw_unit,
  c.sign, c.source_label, c.confidence, c.page, c.line, c.table_index, c.row_index, c.col_index,
  x.note AS correction_note,
  (SELECT group_concat(substr(f.code, 1, instr(f.code, '_') - 1), ',') FROM flags f
     WHERE f.document_id = c.document_id AND f.code GLOB 'R*_fail'
       AND EXISTS (SELECT 1 FROM json_each(f.keys) j WHERE k.key = j.value OR k.key LIKE j.value || '.%')) AS rules_failed,
  c.document_id${box ? ", c.bbox_x, c.bbox_y, c.bbox_w, c.bbox_h" : ""}
FROM report_overview o JOIN cell_values c ON c.document_id = o.document_id
JOIN cell_keys k ON k.id = c.key_id
LEFT JOIN corrections x ON x.report_id = o.report_id AND x.key = k.key AND x.active = 1
UNION ALL
SELECT ${CELLS_LONG_OVERVIEW},
  x.key, x.value, x.status, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  x.note, NULL, o.document_id${box ? ", NULL, NULL, NULL, NULL" : ""}
FROM report_overview o JOIN corrections x ON x.report_id = o.report_id AND x.active = 1
WHERE NOT EXISTS (SELECT 1 FROM cell_values c JOIN cell_keys k ON k.id = c.key_id
    WHERE c.document_id = o.document_id AND k.key = x.key)
UNION ALL
SELECT ${CELLS_LONG_OVERVIEW},
  d.key, d.value, 'derived', d.corrected,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d.document_id${box ? ", NULL, NULL, NULL, NULL" : ""}
FROM report_overview o JOIN derived_values d ON d.report_id = o.report_id;`;
}
