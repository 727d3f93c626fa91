// Report files for store and CLI tests: one GOP2021 report text, and folders of distinct reports.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fullReport } from "../normalize/fixtures.js";

/**
 * Writes `count` distinct reports (issuers `<prefix>区第<i>测试局`, each with a phrase `编号<prefix><i>号` of its
 * own in the prose) as `<prefix><i>.txt` into `dir`.
 */
export function writeReports(dir: string, count: number, prefix = "青溪"): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++)
    writeFileSync(
      join(dir, `${prefix}${String(i).padStart(4, "0")}.txt`),
      fullReport()
        .replaceAll("青溪区测试局", `${prefix}区第${i}测试局`)
        .replace("本局依法做好政府信息公开工作。", `本局依法做好政府信息公开工作，编号${prefix}${i}号。`),
    );
}
