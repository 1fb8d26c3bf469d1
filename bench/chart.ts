// Horizontal bar chart of ratios per group, as a standalone SVG (no dependencies): people compare
// bars faster than tables. `npm run chart -w @tsgi/bench -- results/<name>.json` writes
// results/<name>.svg beside it. The JSON: { "title": "…", "groups": [{ "title": "…", "note": "…",
// "rows": [{ "label": "tsgi stack", "ratio": 0.41, "tsgi": true }] }] }; a bar's length is its
// ratio (1.0 = the group's baseline, drawn as a dashed line); an optional "cap" cuts longer bars.
import { readFileSync, writeFileSync } from 'node:fs';

/** One bar. */
export interface ChartRow {
  label: string;
  ratio: number;
  /** Drawn in the tsgi colour. */
  tsgi?: boolean;
}

/** One block of bars under a heading. */
export interface ChartGroup {
  title: string;
  /** What the ratio is of (printed after the title). */
  note?: string;
  rows: ChartRow[];
}

const WIDTH = 860;
const LABEL = 300; // the label column
const BAR = 18;
const GAP = 6;
const HEAD = 30;

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * The SVG text of a chart: one block per group, bars scaled to the largest ratio of all.
 * @example ratioChart('Stack', [{ title: 'hello', rows: [{ label: 'tsgi', ratio: 0.9, tsgi: true }] }])
 */
export function ratioChart(title: string, groups: ChartGroup[], cap = Number.POSITIVE_INFINITY): string {
  // bars longer than `cap` are cut at it (their figure still printed), so one outlier (nginx) does
  // not flatten every other bar
  const max = Math.min(cap, Math.max(1, ...groups.flatMap((group) => group.rows.map((row) => row.ratio))));
  const scale = (WIDTH - LABEL - 110) / max; // room for the figure after the longest bar
  const parts: string[] = [];
  let y = 34;
  parts.push(`<text x="10" y="22" class="title">${escapeXml(title)}</text>`);
  for (const group of groups) {
    y += HEAD;
    const note = group.note ? ` <tspan class="note">${escapeXml(group.note)}</tspan>` : '';
    parts.push(`<text x="10" y="${y - 10}" class="group">${escapeXml(group.title)}${note}</text>`);
    const top = y;
    for (const row of group.rows) {
      const width = Math.max(1, Math.min(row.ratio, max) * scale);
      parts.push(
        `<text x="${LABEL - 8}" y="${y + BAR - 5}" class="label">${escapeXml(row.label)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" class="${row.tsgi ? 'tsgi' : 'peer'}"/>`,
        `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + BAR - 5}" class="value">${row.ratio.toFixed(row.ratio < 1 ? 3 : 2)}${row.ratio > max ? ' (cut)' : ''}</text>`,
      );
      y += BAR + GAP;
    }
    const one = LABEL + scale;
    parts.push(`<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${y - GAP + 4}" class="one"/>`);
  }
  const height = y + 16;
  const style = [
    'text{font:13px system-ui,sans-serif;fill:#222}',
    '.title{font-size:16px;font-weight:600}',
    '.group{font-weight:600}',
    '.note{font-weight:400;fill:#666}',
    '.label{text-anchor:end}',
    '.value{fill:#444}',
    '.tsgi{fill:#2f6fdb}',
    '.peer{fill:#a9b4c2}',
    '.one{stroke:#c33;stroke-dasharray:4 3}',
  ].join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<style>${style}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('chart.ts')) {
  const input = process.argv[2];
  if (input === undefined || !input.endsWith('.json')) throw new Error('usage: chart.ts results/<name>.json');
  const data = JSON.parse(readFileSync(input, 'utf8')) as {
    title: string;
    cap?: number;
    groups: ChartGroup[];
  };
  writeFileSync(input.replace(/\.json$/, '.svg'), ratioChart(data.title, data.groups, data.cap));
  console.log(`wrote ${input.replace(/\.json$/, '.svg')}`);
}
