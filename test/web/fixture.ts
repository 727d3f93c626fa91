// A small database of one report of each form (HTML, text, PDF, DOCX) and one text report whose prose
// carries markup, imported from the project's corpus, for the workbench tests.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importFiles } from "../../src/import/importer.js";
import { Store } from "../../src/store/store.js";
import { projectRoot, tempDir } from "../helpers.js";

export const FORMS = {
  html: "corpus/jiaotong-2022.html",
  text: "corpus/jiangning-2023.txt",
  pdf: "corpus/qingxi-2021-ruled.pdf",
  docx: "corpus/docx/jiangning-2022-word.docx",
} as const;

export const HOSTILE_MARKUP = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

export interface Fixture {
  dir: string;
  db: string;
  /** Report id by form, and `hostile` for the report whose prose carries markup. */
  reports: Record<keyof typeof FORMS | "hostile", number>;
}

export async function buildFixture(): Promise<Fixture> {
  const dir = tempDir("zfxxgk-web-");
  const db = join(dir, "web.sqlite");
  // The text report again, for another year and issuer, with markup in its prose.
  const hostile = join(dir, "hostile-2022.txt");
  writeFileSync(
    hostile,
    readFileSync(join(projectRoot, FORMS.text), "utf8")
      .replaceAll("2023", "2022")
      .replaceAll("江宁市", "江北市")
      .replace("一、总体情况", `一、总体情况\n${HOSTILE_MARKUP}`),
  );
  const files = [...Object.values(FORMS).map((f) => join(projectRoot, f)), hostile];
  const store = new Store(db);
  try {
    await importFiles(store, files);
    const byOrigin = store.db.prepare("SELECT report_id FROM documents WHERE origin = ?").pluck();
    const reports = Object.fromEntries(
      [...Object.entries(FORMS), ["hostile", hostile] as const].map(([form, f]) => [
        form,
        byOrigin.get(f.startsWith("/") ? f : join(projectRoot, f)) as number,
      ]),
    ) as Fixture["reports"];
    return { dir, db, reports };
  } finally {
    store.close();
  }
}
