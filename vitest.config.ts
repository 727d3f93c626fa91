// Test runner configuration: every test/**/*.test.ts, run in Node.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/**/*.test.ts"], environment: "node", testTimeout: 30000, pool: "forks" },
});
