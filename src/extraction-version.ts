// The version number of the extraction (extract → reconstruct → validate), recorded per document.

/**
 * Bump it whenever a change to src/extractors/, src/normalize/ or src/import/pipeline.ts can change any stored
 * cell, rule, flag or report field. Each document records the version that produced it; `zfxxgk
 * reprocess`, and importing the same bytes again, re-extract documents with an older one.
 */
export const EXTRACTION_VERSION = 15;

/**
 * A simulated extraction change for tests and benchmarks of `reprocess` (ZFXXGK_TEST_EXTRACTION_CHANGE=1):
 * the version goes up by one, every printed applications.new_received.total goes up by one and
 * appeals.review.upheld is no longer found. Never set it on a real database.
 */
export const SIMULATED_EXTRACTION_CHANGE = process.env.ZFXXGK_TEST_EXTRACTION_CHANGE === "1";

/** The extraction version this process runs (EXTRACTION_VERSION, or one more under the simulated change). */
export function extractionVersion(): number {
  return EXTRACTION_VERSION + (SIMULATED_EXTRACTION_CHANGE ? 1 : 0);
}
