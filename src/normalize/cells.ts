// The canonical cell and flag types that reconstruction produces and the store keeps.
import type { SourcePosition } from "../model/document.js";
import type { ValueStatus } from "./text.js";

export type CellStatus = ValueStatus;

export interface CanonicalCell {
  key: string;
  /** Normalized value: a count, or yuan for money. null unless status is "number". */
  value: number | null;
  status: CellStatus;
  /**
   * Money only: the exact decimal value in yuan, scaled from the printed digits with decimal arithmetic
   * (`value` is the double nearest to it).
   */
  exact?: string;
  /** The printed cell text after NFKC. */
  raw: string;
  unit?: "count" | "yuan";
  rawUnit?: "万元" | "元" | "亿元" | "none" | "unknown";
  sign?: "+" | "-";
  /** Row and column labels as found, for provenance. */
  sourceLabel?: string;
  confidence: number;
  pos: SourcePosition;
}

export type Severity = "info" | "warning" | "error";

/** Something a reader of the data must know: an ambiguity, an assumption, a failed rule. */
export interface Flag {
  code: string;
  severity: Severity;
  message: string;
  /** Canonical keys, or key prefixes (a row, a table), the flag covers. */
  keys?: string[];
  pos?: SourcePosition;
}
