// The canonical report record, validated with zod before anything is stored.
import { z } from "zod";

export const cellSchema = z.object({
  key: z.string().regex(/^(active|applications|appeals)\.[a-z0-9_.]+$/),
  value: z.number().finite().nullable(),
  status: z.enum(["number", "blank", "dash", "slash", "text"]),
  raw: z.string(),
  unit: z.enum(["count", "yuan"]).optional(),
  rawUnit: z.enum(["万元", "元", "亿元", "none", "unknown"]).optional(),
  sign: z.enum(["+", "-"]).optional(),
  sourceLabel: z.string().optional(),
  confidence: z.number().min(0).max(1),
  pos: z.object({
    line: z.number().int().optional(),
    page: z.number().int().optional(),
    table: z.number().int().optional(),
    row: z.number().int().optional(),
    col: z.number().int().optional(),
  }),
});

export const flagSchema = z.object({
  code: z.string(),
  severity: z.enum(["info", "warning", "error"]),
  message: z.string(),
  keys: z.array(z.string()).optional(),
  pos: z.record(z.string(), z.number()).optional(),
});

export const ruleSchema = z.object({
  rule: z.enum(["R1", "R2", "R3", "R5", "R12"]),
  status: z.enum(["pass", "fail", "unknown"]),
  failures: z.array(z.string()),
  keys: z.array(z.string()),
});

export const reportSchema = z
  .object({
    formatVersion: z.enum(["GOP2019", "GOP2021", "HYBRID", "PRE2019", "UNKNOWN"]),
    meta: z.object({
      reportYear: z.number().int().nullable(),
      yearSource: z.enum(["period", "title", "text", "none"]),
      titleRaw: z.string().nullable(),
      issuerName: z.string().nullable(),
      adminLevel: z.enum(["national", "provincial", "prefecture", "county", "township", "unknown"]),
      issuerType: z.enum([
        "people_government",
        "government_office",
        "department",
        "town_street",
        "functional_zone",
        "unknown",
      ]),
      scope: z.enum(["self", "aggregate", "ambiguous"]),
    }),
    cells: z.array(cellSchema),
    flags: z.array(flagSchema),
    rules: z.array(ruleSchema),
    prose: z.string(),
  })
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    for (const c of r.cells) {
      if (seen.has(c.key)) ctx.addIssue({ code: "custom", message: `duplicate cell ${c.key}` });
      seen.add(c.key);
      if ((c.status === "number") !== (c.value !== null))
        ctx.addIssue({ code: "custom", message: `${c.key}: value and status disagree` });
    }
  });

export type Report = z.infer<typeof reportSchema>;
