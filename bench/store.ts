// Benchmark: readers during an import, and reprocess after an extraction change, as whole processes.
// 1. compare/show/export run in a loop as separate `zfxxgk` processes on an idle database, then during an
//    import of 2,000 documents (which becomes a bulk load): failures and latency against idle.
// 2. `reprocess` of the 2,000+ stored documents after a simulated extraction change
//    (ZFXXGK_TEST_EXTRACTION_CHANGE=1), killed with SIGKILL at random moments and run again until done:
//    the dry run's report against the exact expected change, corrections kept, nothing lost or duplicated.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

const root = resolve(import.meta.dirname, "..");
const bin = join(root, "bin", "zfxxgk.js");
const CHANGE = { ZFXXGK_TEST_EXTRACTION_CHANGE: "1" };

function cli(args: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: performance.now() - t0 };
}

const READS = (db: string) => [
  ["compare", "--metric", "applications.new_received.total", "--db", db],
  ["show", "1", "--db", db],
  ["export", "--format", "csv", "--key", "applications.new_received", "--db", db],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** Runs the reads in a loop until `until()` is true (at least `min` rounds); latency per read, failures. */
async function readLoop(db: string, until: () => boolean, min = 0) {
  const ms: number[] = [];
  const failures: string[] = [];
  for (let round = 0; round < min || !until(); round++) {
    for (const args of READS(db)) {
      const r = await new Promise<{ code: number | null; ms: number; err: string }>((res) => {
        const t0 = performance.now();
        const c = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });
        let err = "";
        c.stderr.on("data", (d) => {
          err += d;
        });
        c.on("exit", (code) => res({ code, ms: performance.now() - t0, err }));
      });
      if (r.code !== 0) failures.push(`${args[0]}: exit ${r.code} ${r.err.trim()}`);
      ms.push(r.ms);
    }
  }
  return { ms, failures };
}

function snapshot(db: string) {
  const d = new Database(db, { readonly: true });
  const s = {
    cells: d.prepare("SELECT document_id, key, value, status FROM cells ORDER BY document_id, key").all() as {
      document_id: number;
      key: string;
      value: number | null;
      status: string;
    }[],
    corrections: JSON.stringify(d.prepare("SELECT * FROM corrections ORDER BY id").all()),
    documents: d.prepare("SELECT count(*) FROM documents").pluck().get() as number,
    reports: JSON.stringify(d.prepare("SELECT id, identity FROM reports ORDER BY id").all()),
  };
  d.close();
  return s;
}

export async function runStoreBench(count = 2000): Promise<void> {
  console.log("store: building dist/ for the command-line processes");
  spawnSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
  const dir = join(tmpdir(), `zfxxgk-store-bench-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "docs"), { recursive: true });
  const corpus = join(root, "corpus");
  const sources = readdirSync(corpus)
    .filter((f) => /\.(html?|txt|md)$/i.test(f) && !/^readme/i.test(f))
    .map((f) => ({ name: f, bytes: readFileSync(join(corpus, f)) }));
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length];
    const trailer = /\.html?$/.test(src.name) ? `\n<!-- copy ${i} -->\n` : `\n副本 ${i}\n`;
    writeFileSync(
      join(dir, "docs", `${String(i).padStart(5, "0")}-${src.name}`),
      Buffer.concat([src.bytes, Buffer.from(trailer)]),
    );
  }
  const db = join(dir, "store.sqlite");
  if (cli(["import", corpus, "--db", db, "-q"]).code !== 0) throw new Error("corpus import failed");

  // 1. Readers: idle, then during the import.
  const idle = await readLoop(db, () => true, 4);
  const importer = spawn(process.execPath, [bin, "import", join(dir, "docs"), "--db", db, "-q"], {
    stdio: "ignore",
  });
  let importing = true;
  const t0 = performance.now();
  const importDone = new Promise<number | null>((res) =>
    importer.on("exit", (code) => {
      importing = false;
      res(code);
    }),
  );
  const busy = await readLoop(db, () => !importing);
  const importCode = await importDone;
  const importSeconds = (performance.now() - t0) / 1000;
  // Idle on the same database once the import has ended: reads during the import ran on a database no
  // larger than this (the analyst views slow down as versions accumulate, import or not).
  const idleAfter = await readLoop(db, () => true, 4);
  const ratio = median(busy.ms) / median(idleAfter.ms);
  console.log(
    `store: readers during an import of ${count} documents (exit ${importCode}, ${importSeconds.toFixed(1)} s, a bulk load): ` +
      `${busy.ms.length} reads (compare, show, export as processes), ${busy.failures.length} failures; ` +
      `median latency ${median(busy.ms).toFixed(0)} ms vs ${median(idleAfter.ms).toFixed(0)} ms idle on the same database ` +
      `(${ratio.toFixed(2)}x; ${median(idle.ms).toFixed(0)} ms idle before the import), max ${Math.max(...busy.ms).toFixed(0)} ms; ` +
      `idle failures ${idle.failures.length + idleAfter.failures.length}`,
  );
  for (const f of busy.failures.slice(0, 5)) console.log(`  failure: ${f}`);

  // 2. Reprocess after a simulated extraction change, with corrections and kill -9.
  const reports = new Database(db, { readonly: true });
  const refs = reports
    .prepare("SELECT id FROM reports WHERE has_standard_tables = 1 LIMIT 10")
    .pluck()
    .all() as number[];
  reports.close();
  for (const id of refs)
    cli(["correct", String(id), "applications.carried_forward.total", "7", "--note", "bench", "--db", db]);
  const before = snapshot(db);
  const expected = before.cells
    .filter((c) => c.key !== "appeals.review.upheld")
    .map((c) =>
      c.key === "applications.new_received.total" && c.value !== null ? { ...c, value: c.value + 1 } : c,
    );
  const changed = before.cells.filter(
    (c) => c.key === "applications.new_received.total" && c.status === "number",
  ).length;
  const removed = before.cells.filter((c) => c.key === "appeals.review.upheld").length;
  const dry = cli(["reprocess", "--db", db, "--dry-run", "--json", "-q"], CHANGE);
  const s = JSON.parse(dry.out.trim().split("\n").pop()!);
  console.log(
    `store: reprocess --dry-run over ${s.documents} documents in ${(dry.ms / 1000).toFixed(1)} s: ${s.cellsChanged} cells changed (expected ${changed}), ` +
      `${s.cellsAdded} added (expected 0), ${s.cellsRemoved} removed (expected ${removed}), ${s.changedDocuments} documents changed`,
  );
  let kills = 0;
  const r0 = performance.now();
  for (let attempt = 0; attempt < 50; attempt++) {
    const child = spawn(process.execPath, [bin, "reprocess", "--db", db, "-q"], {
      env: { ...process.env, ...CHANGE },
      stdio: "ignore",
    });
    const timer =
      kills < 3 ? setTimeout(() => child.kill("SIGKILL"), 2000 + Math.random() * 8000) : undefined;
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((res) =>
      child.on("exit", (code, signal) => res({ code, signal })),
    );
    clearTimeout(timer);
    if (signal === "SIGKILL") {
      kills++;
      continue;
    }
    if (code !== 0) console.log(`  reprocess exited ${code}`);
    break;
  }
  const after = snapshot(db);
  const exact = JSON.stringify(after.cells) === JSON.stringify(expected);
  console.log(
    `store: reprocess of ${before.documents} documents, killed with SIGKILL ${kills} times and run again, ${((performance.now() - r0) / 1000).toFixed(1)} s in all: ` +
      `cells ${exact ? "exactly as expected" : "NOT as expected"}; corrections ${after.corrections === before.corrections ? `kept (${refs.length})` : "CHANGED"}; ` +
      `documents ${after.documents} (before ${before.documents}); reports ${after.reports === before.reports ? "unchanged" : "CHANGED"}`,
  );
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runStoreBench(Number(process.argv[2] ?? 2000));
}
