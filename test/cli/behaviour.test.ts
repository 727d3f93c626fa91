// CLI behaviour users rely on: --version, quiet pipes, clean stops on SIGINT/SIGTERM, missing paths,
// symlink loops, correction checks, unknown keys and bad numbers as usage errors.
import { spawn, spawnSync } from "node:child_process";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { projectRoot, tempDir, zfxxgk, zfxxgkArgs } from "../helpers.js";
import { writeReports } from "../store/fixtures.js";

const count = (db: string, sql: string) => {
  const d = new Database(db, { readonly: true });
  const n = d.prepare(sql).pluck().get();
  d.close();
  return n;
};

describe("command-line behaviour", () => {
  it("--version names zfxxgk's version and its extraction version", () => {
    const r = zfxxgk(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^zfxxgk \d+\.\d+\.\d+ \(extraction \d+\)\n$/);
  });

  for (const [sig, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)
    it(`${sig} during import finishes the current documents, says what was stored and how to resume, exits ${code}`, async () => {
      const dir = tempDir();
      writeReports(join(dir, "in"), 400);
      const db = join(dir, "s.sqlite");
      const child = spawn(process.execPath, zfxxgkArgs(["import", join(dir, "in"), "--db", db, "-q"]), {
        cwd: projectRoot,
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      // Send the signal once documents are being stored.
      await new Promise<void>((res) => {
        const poll = setInterval(() => {
          try {
            if ((count(db, "SELECT count(*) FROM documents") as number) > 20) {
              clearInterval(poll);
              res();
            }
          } catch {}
        }, 100);
      });
      child.kill(sig);
      const exit = await new Promise<number | null>((res) => child.on("exit", (c) => res(c)));
      expect(exit, stderr).toBe(code);
      const m = /stopped by (SIG\w+) after (\d+) of 400 files, all stored in .*: (\d+) new/.exec(out);
      expect(m, out).not.toBeNull();
      expect(m![1]).toBe(sig);
      expect(out).toMatch(/Run the same import again to resume/);
      const stored = count(db, "SELECT count(*) FROM documents") as number;
      expect(Number(m![3])).toBe(stored);
      expect(stored).toBeLessThan(400);
      const again = zfxxgk(["import", join(dir, "in"), "--db", db, "--json"]);
      expect(JSON.parse(again.out.trim())).toMatchObject({ new: 400 - stored, unchanged: stored, failed: 0 });
    }, 120_000);

  it("ends quietly when its output is piped into head", () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 20);
    const db = join(dir, "p.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    for (const args of [
      ["export", "--format", "csv"],
      ["show", "1"],
      ["compare", "--metric", "applications.new_received.total"],
    ]) {
      const cmd = [process.execPath, ...zfxxgkArgs([...args, "--db", db])].map((a) => `'${a}'`).join(" ");
      const r = spawnSync(
        "bash",
        ["-c", `${cmd} | head -c 20 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`],
        {
          cwd: projectRoot,
          encoding: "utf8",
        },
      );
      expect(r.stderr.trim(), args[0]).toBe("exit=0");
    }
  }, 120_000);

  it("writes a whole export into a pipe whose reader falls behind", async () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 20);
    const db = join(dir, "slow.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    const child = spawn(process.execPath, zfxxgkArgs(["export", "--format", "csv", "--db", db]), {
      cwd: projectRoot,
    });
    const closed = new Promise<number | null>((r) => child.on("close", r));
    // The reader stops reading for a second, so the pipe fills up and the export must wait for it.
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1000));
    const chunks: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.resume();
    const code = await closed;
    expect(err).toBe("");
    expect(code).toBe(0);
    const lines = Buffer.concat(chunks).toString("utf8").trimEnd().split("\n");
    const rows = count(db, "SELECT count(*) FROM cells_long") as number;
    expect(rows).toBeGreaterThan(1000);
    expect(lines.length).toBe(rows + 1); // the header line and every row
  }, 60_000);

  it("import of a missing path exits 2 naming it and records nothing; symlink loops are followed once", () => {
    const dir = tempDir();
    const db = join(dir, "m.sqlite");
    const r = zfxxgk(["import", join(dir, "nowhere"), "--db", db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(dir, "nowhere"));
    writeReports(join(dir, "in", "sub"), 2);
    symlinkSync(join(dir, "in"), join(dir, "in", "sub", "loop")); // in/sub/loop → in
    const missing = zfxxgk(["import", join(dir, "in"), join(dir, "gone.txt"), "--db", db]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("gone.txt");
    const ok = zfxxgk(["import", join(dir, "in"), "--db", db, "--json"]);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out.trim())).toMatchObject({ files: 2, new: 2 });
  }, 60_000);

  it("refuses negative or fractional counts, unknown export keys and bad --limit as usage errors", () => {
    const dir = tempDir();
    writeReports(join(dir, "in"), 1);
    const db = join(dir, "u.sqlite");
    expect(zfxxgk(["import", join(dir, "in"), "--db", db, "-q"]).code).toBe(0);
    const key = "applications.new_received.total";
    for (const v of ["-3", "2.5"]) {
      const r = zfxxgk(["correct", "1", key, v, "--note", "x", "--db", db]);
      expect(r.code, v).toBe(2);
      expect(r.err).toMatch(/is a count/);
    }
    expect(zfxxgk(["correct", "1", key, "3", "--note", "x", "--db", db]).code).toBe(0);
    const money = zfxxgk([
      "correct",
      "1",
      "active.art20_8.admin_fees.amount_yuan",
      "41662416.19",
      "--note",
      "x",
      "--db",
      db,
    ]);
    expect(money.code, money.err).toBe(0);
    expect(
      count(db, "SELECT typeof(value) FROM corrections WHERE key = 'applications.new_received.total'"),
    ).toBe("integer");
    const ex = zfxxgk(["export", "--key", "applications.new_recieved", "--db", db]);
    expect(ex.code).toBe(2);
    expect(ex.err).toMatch(
      /unknown key applications\.new_recieved; did you mean: applications\.new_received/,
    );
    for (const limit of ["x", "0", "-1", "2.5"]) {
      const r = zfxxgk(["search", "公开", "--limit", limit, "--db", db]);
      expect(r.code, limit).toBe(2);
      expect(r.err).toMatch(/--limit must be a positive integer/);
      expect(r.err).not.toMatch(/SqliteError|datatype mismatch/i);
    }
  }, 120_000);
});
