import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DocumentWorkers } from "../../src/import/workers.js";
import { projectRoot } from "../helpers.js";

const html = readFileSync(join(projectRoot, "corpus", "jiangning-2022.html"));

describe("worker pool", () => {
  it("processes documents in worker threads", async () => {
    const pool = new DocumentWorkers({ size: 2 });
    try {
      const results = await Promise.all([pool.process(html), pool.process(html), pool.process(html)]);
      expect(results.map((r) => r.report.cells.length)).toEqual([200, 200, 200]);
      expect(results[0].report.meta.issuerName).toBe("江宁市人民政府");
    } finally {
      await pool.close();
    }
  });
  it("starts its threads ahead for a batch that names PDF or Word files, and for no other batch", async () => {
    const textual = new DocumentWorkers({ size: 2 });
    const pdfs = new DocumentWorkers({ size: 2 });
    try {
      textual.prestart(["a.html", "b.txt", "c.htm", "d.pdf"]);
      expect(textual.threads).toBe(0);
      pdfs.prestart(["a.pdf", "b.html", "c.PDF", "d.docx"]);
      expect(pdfs.threads).toBe(2);
      // The threads started ahead (pdfjs loading in them) read the batch's documents.
      const pdf = readFileSync(join(projectRoot, "corpus", "qingxi-2021-ruled.pdf"));
      const results = await Promise.all([pdfs.process(pdf), pdfs.process(html)]);
      expect(results.map((r) => r.report.cells.length)).toEqual([200, 200]);
      expect(pdfs.threads).toBe(2);
    } finally {
      await Promise.all([textual.close(), pdfs.close()]);
    }
  });

  it("stops a document that exceeds the time limit and keeps serving the next ones", async () => {
    const pool = new DocumentWorkers({ size: 1, timeoutMs: 1 });
    try {
      await expect(pool.process(html)).rejects.toMatchObject({ code: "timeout" });
    } finally {
      await pool.close();
    }
    const slow = new DocumentWorkers({ size: 1, timeoutMs: 30_000 });
    try {
      expect((await slow.process(html)).report.cells).toHaveLength(200);
    } finally {
      await slow.close();
    }
  });

  it("stops a worker that outgrows its heap limit with out_of_memory; a pool with room reads the document", async () => {
    // 8 MB is less than reading any PDF takes (pdfjs alone is larger): the real limit, hit for real.
    const pdf = readFileSync(join(projectRoot, "corpus", "qingxi-2021-ruled.pdf"));
    const tight = new DocumentWorkers({ size: 1, heapMb: 8, timeoutMs: 60_000 });
    try {
      await expect(tight.process(pdf)).rejects.toMatchObject({ code: "out_of_memory" });
    } finally {
      await tight.close();
    }
    const roomy = new DocumentWorkers({ size: 1, timeoutMs: 60_000 });
    try {
      expect((await roomy.process(pdf)).report.cells.length).toBeGreaterThan(100);
    } finally {
      await roomy.close();
    }
  });
});
