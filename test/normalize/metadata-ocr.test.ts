// A scan's issuer voted over every reading of its name: misreads outvoted, a name the title lost taken from
// the other readings (and a first character it lost put back), and a name no reading settles kept with a
// flag (issuer_ocr_doubted), never as sure.
import { describe, expect, it } from "vitest";
import { processModel } from "../../src/import/pipeline.js";
import type { DocumentModel, OcrLineReading, TextBlock } from "../../src/model/document.js";
import { extractMeta } from "../../src/normalize/metadata.js";
import { settleOcrIssuer } from "../../src/normalize/metadata-ocr.js";

/**
 * A line as OCR hands it on: each character with the confidence of its word. `doubted` lists the
 * characters read with low confidence (their word's confidence, 0.3).
 */
function line(text: string, doubted: string[] = []): TextBlock {
  const charConf = Array.from(text, () => 0.95);
  for (const d of doubted) {
    const at = text.indexOf(d);
    for (let k = 0; k < d.length; k++) charConf[at + k] = 0.3;
  }
  return { kind: "text", text, pos: { page: 1 }, conf: Math.min(...charConf), charConf };
}

function reread(text: string, doubted: string[] = []): OcrLineReading {
  const { charConf } = line(text, doubted);
  return { page: 1, text, charConf: charConf! };
}

function scan(lines: TextBlock[], rereads: OcrLineReading[] = []): DocumentModel {
  return {
    form: "pdf",
    blocks: lines,
    warnings: [],
    ocr: { pages: 1, words: 100, lowConfidenceWords: 3, seconds: 1, skewDeg: [0.4], rereads },
  };
}

/** The model's lines of text, as the pipeline hands them to extractMeta. */
const textsOf = (model: DocumentModel) => model.blocks.map((b) => (b.kind === "text" ? b.text : ""));

function settle(model: DocumentModel) {
  const texts = textsOf(model);
  return settleOcrIssuer(extractMeta(texts), texts, model, false);
}

const PERIOD = "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。";

describe("the issuer of a scan", () => {
  it("outvotes a character the title misread with low confidence, and is not doubted", () => {
    const model = scan(
      [
        line("澄诅县市场监督管理局2023年政府信息公开工作年度报告", ["澄诅"]),
        line(PERIOD),
        line("2023年，澄溪县市场监督管理局认真贯彻落实政务公开工作要求。"),
        line("澄溪县市场监督管理局"),
        line("2024年1月20日"),
      ],
      [reread("澄溪县市场监督管理局2023年政府信息公开工作年度报告", ["澄溪"])],
    );
    // Read as the title prints it, the misread name would be the issuer.
    expect(extractMeta(textsOf(model)).issuerName).toBe("澄诅县市场监督管理局");
    const s = settle(model);
    expect(s.meta).toMatchObject({
      issuerName: "澄溪县市场监督管理局",
      adminLevel: "county",
      issuerType: "department",
    });
    expect(s.doubt).toBeUndefined();
  });

  it("keeps a name no reading settles, and says which characters are doubted and what else was read", () => {
    const model = scan(
      [
        line("白浴县民政局2022年政府信息公开工作年度报告", ["白浴"]),
        line(PERIOD),
        line("2022年，白深县民政局认真贯彻落实政务公开工作要求。", ["白深"]),
      ],
      [reread("白滩县民政局2022年政府信息公开工作年度报告", ["白滩"])],
    );
    const s = settle(model);
    expect(s.meta.issuerName).toMatch(/^白[浴深滩]县民政局$/);
    expect(s.meta).toMatchObject({ adminLevel: "county", issuerType: "department" });
    expect(s.doubt).toMatch(
      /not settled by its readings: "白.县民政局" kept, character 2 doubted \(also read/,
    );
    // The pipeline stores the doubt as a warning beside the metadata_ocr note.
    const { report } = processModel(model, undefined);
    const flag = report.flags.find((f) => f.code === "issuer_ocr_doubted");
    expect(flag).toMatchObject({ severity: "warning" });
    expect(flag?.message).toContain("character 2 doubted");
    expect(report.flags.some((f) => f.code === "metadata_ocr")).toBe(true);
  });

  it("takes a functional zone's name from the title read again where the page read it as Latin letters", () => {
    const model = scan(
      [
        line("首页 > 政务公开 > 政府信息公开年报"),
        line("Bo maT WAAR SE me 2021F AY aS SFTLER", ["Bo maT WAAR SE me 2021F AY aS SFTLER"]),
        line(PERIOD.replace(/2023/g, "2021")),
        line("2021年，管委会认真贯彻落实政务公开工作要求。"),
      ],
      [
        reread("岫川高新技术产业开发区管理委员会2021年政", ["岫川"]),
        reread("岫川高新技术产业开发区管理委员会2021年政府信息公开工作年度报告", []),
      ],
    );
    expect(extractMeta(textsOf(model)).issuerName).toBeNull();
    const s = settle(model);
    expect(s.meta).toMatchObject({
      issuerName: "岫川高新技术产业开发区管理委员会",
      issuerType: "functional_zone",
      scope: "ambiguous",
    });
    expect(s.doubt).toBeUndefined();
  });

  it("votes over the names the readings offer where the title's name holds debris of a misread year", () => {
    const model = scan(
      [
        line("松深县民政局2019 \ufffd\ufffd 年政府信息公开工作年度报告", ["松深", "\ufffd\ufffd"]),
        line(PERIOD.replace(/2023/g, "2019")),
        line("2019年，松溪县民政局认真贯彻落实政务公开工作要求。"),
      ],
      [reread("松溪县民政局2019年政府信息公开工作年度报告")],
    );
    const texts = textsOf(model);
    const s = settleOcrIssuer(
      { ...extractMeta(texts), issuerName: "松深县民政局2019\ufffd\ufffd年" },
      texts,
      model,
      false,
    );
    expect(s.meta).toMatchObject({
      issuerName: "松溪县民政局",
      issuerType: "department",
      adminLevel: "county",
    });
    expect(s.doubt).toBeUndefined();
  });

  it("takes a name on its own line above a title line that starts with the year before 由…编制", () => {
    const model = scan(
      [
        line("潜泽区人民政府", ["潜泽"]),
        line("2023 年政府信息1“开工作年度报告", ["1“"]),
        line("本报告由淮安市洪泽区人民政府办公室根据《中华人民共和国政府信息公开条例》要求编制此报告。"),
        line(PERIOD),
      ],
      [reread("洪泽区人民政府", ["洪"]), reread("2023年政府信息公开工作年度报告")],
    );
    const texts = textsOf(model);
    const s = settleOcrIssuer({ ...extractMeta(texts), issuerName: null }, texts, model, false);
    // The title's name, not the office that compiled the report; its first character settled by the
    // confident reading of 洪泽区人民政府 inside 由…编制.
    expect(s.meta).toMatchObject({
      issuerName: "洪泽区人民政府",
      issuerType: "people_government",
      adminLevel: "county",
    });
    expect(s.doubt).toBeUndefined();
  });

  it("takes the signature above a date whose month and day OCR misread", () => {
    const model = scan([
      line("otpocketTes = BooneeeeeeceenareaGoat", ["otpocketTes = BooneeeeeeceenareaGoat"]),
      line(PERIOD.replace(/2023/g, "2024")),
      line("本年度未收取信息处理费。"),
      line("青岑市市场监督管理局"),
      line("2025461A 20H", ["2025461A 20H"]),
    ]);
    const s = settle(model);
    expect(s.meta).toMatchObject({
      issuerName: "青岑市市场监督管理局",
      adminLevel: "prefecture",
      issuerType: "department",
    });
  });

  it("puts back the first character the title's reading lost, as the text names the body, and doubts it", () => {
    const model = scan(
      [
        line("江口市司法局2019年政府信息公开工作年度报", []),
        line(PERIOD.replace(/2023/g, "2019")),
        line("2019年，沅江口市司法局认真贯彻落实政务公开工作要求。"),
        line("沅江口市司法局"),
        line("2020年1月15日"),
      ],
      [reread("江口市司法局2019年政府信息公开工作年度报告")],
    );
    const s = settle(model);
    expect(s.meta).toMatchObject({ issuerName: "沅江口市司法局", adminLevel: "prefecture" });
    expect(s.doubt).toContain('"沅江口市司法局" kept');
    // Never from a sentence that names the body after a word of its own (在…, 由…).
    const other = scan([
      line("江口市司法局2019年政府信息公开工作年度报告"),
      line(PERIOD.replace(/2023/g, "2019")),
      line("2019年，在江口市司法局的指导下开展工作。"),
    ]);
    expect(settle(other).meta.issuerName).toBe("江口市司法局");
  });

  it("takes the whole name the text gives where the title's garbled reading leaves a name without a place", () => {
    const model = scan(
      [
        line("渭宁市交,运输局2020年政府信息公开工作年度报告", ["渭宁市交,"]),
        line(PERIOD.replace(/2023/g, "2020")),
        line("2020年，渭宁市交通运输局认真贯彻落实政务公开工作要求。"),
        line("渭宁市交通运输局"),
        line("2021年1月20日"),
      ],
      [reread("渭宁市交j运输局2020年政府信息公开工作年度报告", ["渭宁市交j"])],
    );
    const s = settle(model);
    expect(s.meta).toMatchObject({ issuerName: "渭宁市交通运输局", adminLevel: "prefecture" });
    expect(s.doubt).toContain('"渭宁市交通运输局" kept');
  });

  it("leaves a name read with confidence everywhere as it is, and another body's name outside the vote", () => {
    const model = scan([
      line("江宁市教育局2020年政府信息公开工作年度报告"),
      line(PERIOD.replace(/2023/g, "2020")),
      line("2020年，江宁市教育局认真贯彻落实政务公开工作要求，会同江宁市民政局开展培训。"),
    ]);
    const s = settle(model);
    expect(s.meta.issuerName).toBe("江宁市教育局");
    expect(s.doubt).toBeUndefined();
  });

  it("is not run for text layers: a document without OCR keeps extractMeta's issuer", () => {
    const model = scan([line("澄诅县市场监督管理局2023年政府信息公开工作年度报告"), line(PERIOD)], []);
    delete model.ocr;
    for (const b of model.blocks) if (b.kind === "text") delete b.charConf;
    const { report } = processModel(model, undefined);
    expect(report.meta.issuerName).toBe("澄诅县市场监督管理局");
    expect(report.flags.some((f) => f.code === "issuer_ocr_doubted" || f.code === "metadata_ocr")).toBe(
      false,
    );
  });
});
