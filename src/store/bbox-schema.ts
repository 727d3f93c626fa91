// Migration 7: each PDF cell's box on its page, stored beside its other source positions and shown by
// the cells, effective_cells and cells_long views (appended as their last columns of migration 5's
// cells and migration 6's effective_cells and cells_long).
//
// bbox_x, bbox_y, bbox_w, bbox_h are fractions (0..1) of the page's width and height, origin at the
// page's top-left corner as displayed (after /Rotate), on the page given by `page`. A viewer multiplies
// them by the rendered page's size at whatever scale it renders. NULL for HTML, DOCX and text cells,
// whose line / table_index / row_index / col_index locate them.

import { cellsLongView, effectiveCellsView } from "./analyst-schema.js";

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
         v.confidence, v.page, v.line, v.table_index, v.row_index, v.col_index, v.value_exact,
         v.bbox_x, v.bbox_y, v.bbox_w, v.bbox_h
  FROM cell_values v JOIN cell_keys k ON k.id = v.key_id;

${effectiveCellsView(true)}

${cellsLongView(true)}
`;
}
