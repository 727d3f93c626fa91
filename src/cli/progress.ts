// Progress for long batches: a live bar on a terminal (count, rate, failures), plain log lines otherwise.
import { createRequire } from "node:module";
import type cliProgressModule from "cli-progress";

export interface Progress {
  tick(line: string, failed: boolean): void;
  stop(): void;
}

export function createProgress(total: number, opts: { quiet?: boolean } = {}): Progress {
  let failures = 0;
  if (process.stderr.isTTY && !opts.quiet) {
    // Loaded for a terminal only: cron jobs, pipes and --quiet runs never draw the bar.
    const cliProgress = createRequire(import.meta.url)("cli-progress") as typeof cliProgressModule;
    const bar = new cliProgress.SingleBar(
      {
        format: " {bar} {value}/{total} | {rate} docs/s | {failures} failed | {file}",
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = performance.now();
    bar.start(total, 0, { rate: "0", failures: 0, file: "" });
    return {
      tick(line, failed) {
        if (failed) {
          failures++;
          // Failures stay visible above the bar.
          process.stderr.write(`\r\x1b[K${line}\n`);
        }
        const secs = (performance.now() - t0) / 1000;
        bar.increment(1, {
          rate: ((bar.getProgress() * total) / Math.max(secs, 1e-3)).toFixed(0),
          failures,
          file: line.slice(0, 40),
        });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let n = 0;
  return {
    tick(line, failed) {
      n++;
      if (failed) failures++;
      if (!opts.quiet || failed) process.stderr.write(`[${n}/${total}] ${line}\n`);
    },
    stop() {},
  };
}
