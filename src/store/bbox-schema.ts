// Migration 7: each PDF cell's box on its page, stored beside its other source positions and shown by
// the cells, effective_cells and cells_long views (appended as their last columns).
//
// bbox_x, bbox_y, bbox_w, bbox_h are fractions (0..1) of the page's width and height, origin at the
// page's top-left corner as displayed (after /Rotate), on the page given by `page`. A viewer multiplies
// them by the rendered page's size at whatever scale it renders. NULL for HTML, DOCX and text cells,
// whose line / table_index / row_index / col_index locate them.

export function bboxSchemaSql(): string {
  return `
ALTER TABLE cell_values ADD COLUMN bbox_x REAL;
ALTER TABLE cell_values ADD COLUMN bbox_y REAL;
ALTER TABLE cell_values ADD COLUMN bbox_w REAL;
ALTER TABLE cell_values ADD COLUMN bbox_h REAL;

DROP VIEW cells_long;
DROP VIEW effective_cells;
DROP VIEW cells;

CREATE VIEW cells AS
  SELECT v.document_id, k.key, v.value, v.status, v.raw, v.unit, v.raw_unit, v.sign, v.source_label,
         v.confidence, v.page, v.line, v.table_index, v.row_index, v.col_index,
         v.bbox_x, v.bbox_y, v.bbox_w, v.bbox_h
  FROM cell_values v JOIN cell_keys k ON k.id = v.key_id;

CREATE VIEW effective_cells AS
SELECT r.id AS report_id, c.document_id, c.key,
  IIF(k.id IS NULL, c.value, k.value) AS value, IIF(k.id IS NULL, c.status, k.status) AS status,
  k.id IS NOT NULL AS corrected, c.value AS extracted_value, c.status AS extracted_status, c.raw, c.unit,
  c.raw_unit, c.sign, c.source_label, c.confidence, c.page, c.line, c.table_index, c.row_index, c.col_index,
  c.bbox_x, c.bbox_y, c.bbox_w, c.bbox_h
FROM reports r JOIN cells c ON c.document_id = r.current_document_id
LEFT JOIN corrections k ON k.report_id = r.id AND k.key = c.key AND k.active = 1
UNION ALL
SELECT k.report_id, r.current_document_id, k.key, k.value, k.status, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM corrections k JOIN reports r ON r.id = k.report_id
WHERE k.active = 1
  AND NOT EXISTS (SELECT 1 FROM cells c WHERE c.document_id = r.current_document_id AND c.key = k.key);

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
  e.document_id, e.bbox_x, e.bbox_y, e.bbox_w, e.bbox_h
FROM effective_cells e
JOIN report_overview o ON o.report_id = e.report_id
UNION ALL
SELECT o.report_id, o.issuer_name, o.report_year, o.format_version, o.admin_level, o.issuer_type, o.scope,
  o.report_kind, o.region_code, o.region_name, o.region_level, o.province_code, o.province_name,
  o.prefecture_code, o.prefecture_name, o.county_code, o.county_name, o.township_name,
  d.key, d.value, d.status, d.corrected,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d.document_id,
  NULL, NULL, NULL, NULL
FROM derived_cells d
JOIN report_overview o ON o.report_id = d.report_id;
`;
}
