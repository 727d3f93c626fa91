// Crawl logging: one JSON object per line when stderr is not a terminal (cron, systemd), short text otherwise.
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
}

export type LogFormat = "auto" | "json" | "text" | "none";

const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(
  format: LogFormat = "auto",
  opts: { stream?: NodeJS.WritableStream & { isTTY?: boolean }; minLevel?: Level } = {},
): Logger {
  const stream = opts.stream ?? process.stderr;
  const min = ORDER[opts.minLevel ?? "info"];
  if (format === "none") return { log() {} };
  const json = format === "json" || (format === "auto" && !stream.isTTY);
  return {
    log(level, event, given = {}) {
      if (ORDER[level] < min) return;
      const fields = tidy(given);
      if (json) {
        stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
        return;
      }
      const { url, ...rest } = fields;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
        .join(" ");
      const tag = level === "info" ? "" : `${level.toUpperCase()} `;
      stream.write(`${tag}${event}${url ? ` ${url}` : ""}${extra ? `  ${extra}` : ""}\n`);
    },
  };
}

/** Drops absent fields and rounds fractions to 3 decimals: a log prints numbers, never `undefined`. */
function tidy(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v;
  }
  return out;
}
