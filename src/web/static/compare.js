// Compare screen: a trend line per row across the years and a bar per row for one year, drawn with uPlot
// from the data the server embedded (the same numbers as the table beneath).
import uPlot from "/vendor/uplot/uPlot.esm.js";

const COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
/** Trend lines drawn at most; the table shows every row. */
const MAX_LINES = 20;

function draw(data) {
  const trend = document.getElementById("trend-chart");
  const bars = document.getElementById("bar-chart");
  const width = Math.max(320, trend.clientWidth || 480);
  const rows = data.rows.slice(0, MAX_LINES);
  const trendData = [data.years, ...rows.map((r) => r.values)];
  new uPlot(
    {
      width,
      height: 300,
      scales: { x: { time: false } },
      axes: [{ values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) }, {}],
      series: [
        { label: "year" },
        ...rows.map((r, i) => ({
          label: r.label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          points: { show: true, size: 6 },
        })),
      ],
    },
    trendData,
    trend,
  );
  trend.dataset.series = String(rows.length);
  trend.dataset.points = String(rows.reduce((n, r) => n + r.values.filter((v) => v !== null).length, 0));
  if (data.rows.length > MAX_LINES)
    trend.append(
      Object.assign(document.createElement("p"), {
        className: "note",
        textContent: `first ${MAX_LINES} of ${data.rows.length} rows drawn`,
      }),
    );

  const yi = data.years.indexOf(data.barYear);
  const withValue = data.rows.filter((r) => yi >= 0 && r.values[yi] !== null);
  const labels = withValue.map((r) => r.label);
  new uPlot(
    {
      width,
      height: 300,
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] } },
      axes: [
        {
          splits: () => labels.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
          rotate: -45,
          size: 80,
        },
        {},
      ],
      series: [
        { label: "row" },
        {
          label: String(data.barYear ?? ""),
          fill: "#5b8fd1",
          stroke: "#1f3a5f",
          paths: uPlot.paths.bars({ size: [0.7, 60] }),
          points: { show: false },
        },
      ],
    },
    [labels.map((_, i) => i), withValue.map((r) => r.values[yi])],
    bars,
  );
  bars.dataset.points = String(withValue.length);
  bars.dataset.year = String(data.barYear ?? "");
}

const block = document.getElementById("compare-data");
if (block) draw(JSON.parse(block.textContent));
