// Fuzzing the real import: a few hundred mutants of the project's own reports (fixed seed) imported into a
// real SQLite file with the worker pool. No crash, no stall, every error one line with a code, every
// stored text valid UTF-8. `npm run bench` runs thousands (bench/fuzz.ts).
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeFuzz, makeMutants, runFuzz } from "../../bench/fuzz.js";
import { tempDir } from "../helpers.js";

describe("fuzzed documents", () => {
  it("250 mutants: 0 crashes, 0 stalls, one-line coded errors, valid UTF-8 everywhere", {
    timeout: 300_000,
  }, async () => {
    const mutants = makeMutants(20261204, 250, 0.1);
    expect(new Set(mutants.map((m) => m.mutation)).size).toBeGreaterThanOrEqual(12);
    const dir = tempDir("zfxxgk-fuzz-");
    try {
      const outcome = await runFuzz(mutants, dir, { timeoutMs: 60_000, workers: 2 });
      console.log(describeFuzz(outcome));
      expect(outcome.imported + outcome.unchanged + outcome.failed).toBe(250);
      expect(outcome.crashes).toEqual([]);
      expect(outcome.stalls).toEqual([]);
      expect(outcome.badErrors).toEqual([]);
      expect(outcome.badText).toEqual([]);
      // The mutants reach the bounds they are made for, and most damaged reports still import.
      expect(outcome.codes.too_deep).toBeGreaterThan(0);
      expect(outcome.codes.duplicate_tables).toBeGreaterThan(0);
      expect(outcome.imported).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
