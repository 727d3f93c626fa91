// Report screen: selecting a cell highlights where it was printed (PDF box, text line, HTML/Word table cell),
// and selecting a place in the source selects the cell printed there. Document text only ever goes in as text.
const root = document.querySelector(".report");
const cells = JSON.parse(document.getElementById("cells").textContent);
const form = root.dataset.form;
const documentId = root.dataset.document;
const source = document.getElementById("source");
const info = document.getElementById("cell-info");
let selected = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function showInfo(key) {
  const c = cells[key];
  info.replaceChildren();
  const dl = el("dl");
  const row = (k, v) => {
    if (v === null || v === undefined || v === "") return;
    dl.append(el("dt", k), el("dd", String(v)));
  };
  row("key", key);
  row("label", c.label);
  row("status", c.status);
  row("value", c.value);
  row("printed", c.raw);
  row("source", c.source);
  if (c.corrected)
    row(
      "corrected",
      `printed ${c.corrected.extractedStatus === "number" ? c.corrected.extractedValue : c.corrected.extractedStatus} — ${c.corrected.note}`,
    );
  for (const f of c.flags) row("flag", f);
  info.append(dl);
  const box = document.getElementById("correct-box");
  if (box) {
    box.classList.toggle("hidden", c.derived);
    box.querySelector("input[name=key]").value = key;
  }
}

function clearHighlights() {
  for (const e of document.querySelectorAll(".hl")) e.classList.remove("hl");
  for (const e of document.querySelectorAll("td.sel")) e.classList.remove("sel");
}

/** The source table cell at a grid position (a spanned cell covers the columns after its own). */
function sourceCell(t, r, c) {
  const row = source.querySelectorAll(`td[data-t="${t}"][data-r="${r}"]`);
  let best = null;
  for (const td of row) {
    const col = Number(td.dataset.c);
    const span = Number(td.getAttribute("colspan") || 1);
    if (col === c) return td;
    if (col <= c && c < col + span) best = td;
  }
  return best;
}

async function select(key, fromSource) {
  const c = cells[key];
  if (!c) return;
  selected = key;
  clearHighlights();
  const td = document.querySelector(`td.v[data-key="${CSS.escape(key)}"]`);
  if (td) {
    td.classList.add("sel");
    if (fromSource) td.scrollIntoView({ block: "center" });
  }
  showInfo(key);
  history.replaceState(null, "", `#${key}`);
  const p = c.pos;
  if (!p) return;
  let target = null;
  if (form === "pdf") {
    if (p.page) await showPage(p.page);
    drawBox(c);
    target = source.querySelector(".hlbox");
  } else if (p.t !== null && p.r !== null && p.c !== null) target = sourceCell(p.t, p.r, p.c);
  else if (p.line !== null) target = source.querySelector(`li[data-line="${p.line}"]`);
  if (!target && p.line !== null) target = source.querySelector(`li[data-line="${p.line}"]`);
  if (target) {
    if (form !== "pdf") target.classList.add("hl");
    if (!fromSource) target.scrollIntoView({ block: "center" });
  }
}

for (const td of document.querySelectorAll("td.v[data-key]")) {
  td.addEventListener("click", () => select(td.dataset.key, false));
  td.addEventListener("keydown", (e) => {
    if (e.key === "Enter") select(td.dataset.key, false);
  });
}

/** Source → cell: the keys printed at a line or a table position. */
function keysWhere(test) {
  return Object.keys(cells).filter((k) => cells[k].pos && test(cells[k].pos));
}

source.addEventListener("click", (e) => {
  if (form === "pdf") return;
  const td = e.target.closest("td[data-t]");
  let keys = [];
  if (td) {
    const t = Number(td.dataset.t);
    const r = Number(td.dataset.r);
    const c = Number(td.dataset.c);
    const span = Number(td.getAttribute("colspan") || 1);
    keys = keysWhere((p) => p.t === t && p.r === r && p.c >= c && p.c < c + span);
    clearHighlights();
    td.classList.add("hl");
  } else {
    const li = e.target.closest("li[data-line]");
    if (!li) return;
    const line = Number(li.dataset.line);
    keys = keysWhere((p) => p.line === line);
    clearHighlights();
    li.classList.add("hl");
  }
  if (keys.length) select(keys[0], true);
});

// ---------------------------------------------------------------- PDF

let pdf = null;
let shownPage = 0;
let viewport = null;
const pageBox = document.getElementById("pdf-page");

async function loadPdf() {
  const pdfjs = await import("/vendor/pdfjs/pdf.min.mjs");
  pdfjs.GlobalWorkerOptions.workerSrc = "/vendor/pdfjs/pdf.worker.min.mjs";
  pdf = await pdfjs.getDocument({
    url: `/documents/${documentId}`,
    cMapUrl: "/vendor/pdfjs/cmaps/",
    cMapPacked: true,
    standardFontDataUrl: "/vendor/pdfjs/standard_fonts/",
    isEvalSupported: false,
  }).promise;
  pdf.Util = pdfjs.Util;
  document.getElementById("page-count").textContent = String(pdf.numPages);
}

// Page renders run one after another: a click while the first page still renders waits for it.
let rendering = Promise.resolve();
function showPage(n) {
  rendering = rendering.then(() => renderPage(n));
  return rendering;
}

async function renderPage(n) {
  if (!pdf) await loadPdf();
  if (n === shownPage) return;
  shownPage = n;
  document.getElementById("page-no").textContent = String(n);
  const page = await pdf.getPage(n);
  const base = page.getViewport({ scale: 1 });
  const scale = Math.max(0.5, (source.clientWidth - 4) / base.width);
  viewport = page.getViewport({ scale });
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${viewport.width}px`;
  canvas.style.height = `${viewport.height}px`;
  pageBox.replaceChildren(canvas);
  pageBox.style.width = `${viewport.width}px`;
  pageBox.style.height = `${viewport.height}px`;
  await page.render({
    canvas,
    canvasContext: canvas.getContext("2d"),
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
  }).promise;
  // The text items, invisible, where pdfjs places them: they make the page searchable and testable.
  const text = await page.getTextContent();
  for (const item of text.items) {
    if (!item.str?.trim()) continue;
    const tx = pdf.Util.transform(viewport.transform, item.transform);
    const h = Math.hypot(tx[2], tx[3]);
    const span = el("span", item.str, "ti");
    span.style.left = `${tx[4]}px`;
    span.style.top = `${tx[5] - h}px`;
    span.style.width = `${item.width * viewport.scale}px`;
    span.style.height = `${h}px`;
    span.style.fontSize = `${h}px`;
    pageBox.append(span);
  }
  pageBox.dataset.rendered = String(n);
}

function drawBox(c) {
  for (const old of pageBox.querySelectorAll(".hlbox")) old.remove();
  const b = c.pos?.box;
  if (!b || !viewport) return;
  const d = el("div", undefined, "hlbox");
  d.style.left = `${b[0] * viewport.width}px`;
  d.style.top = `${b[1] * viewport.height}px`;
  d.style.width = `${b[2] * viewport.width}px`;
  d.style.height = `${b[3] * viewport.height}px`;
  d.dataset.key = selected;
  pageBox.append(d);
}

if (form === "pdf" && pageBox) {
  document
    .getElementById("prev-page")
    .addEventListener("click", () => shownPage > 1 && showPage(shownPage - 1));
  document
    .getElementById("next-page")
    .addEventListener("click", () => pdf && shownPage < pdf.numPages && showPage(shownPage + 1));
  pageBox.addEventListener("click", (e) => {
    if (!viewport) return;
    const r = pageBox.getBoundingClientRect();
    const x = (e.clientX - r.left) / viewport.width;
    const y = (e.clientY - r.top) / viewport.height;
    // The smallest box on this page holding the point.
    let best = null;
    let area = Infinity;
    for (const [k, c] of Object.entries(cells)) {
      const b = c.pos?.box;
      if (!b || c.pos.page !== shownPage) continue;
      if (x >= b[0] && x <= b[0] + b[2] && y >= b[1] && y <= b[1] + b[3] && b[2] * b[3] < area) {
        best = k;
        area = b[2] * b[3];
      }
    }
    if (best) select(best, true);
  });
  showPage(1).catch((e) => {
    source.append(el("p", `The PDF could not be shown: ${e.message}`, "error"));
  });
}

const initial = decodeURIComponent(location.hash.slice(1));
if (initial && cells[initial]) select(initial, false);
root.dataset.ready = "1";
