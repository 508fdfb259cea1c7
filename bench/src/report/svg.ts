import type { Measurement } from '../workloads/types.js';

const COLORS: Record<string, string[]> = {
  // p50, p99, p99.9 shades per system.
  fjord: ['#9ecae1', '#4292c6', '#08519c'],
  'fjord-kafka': ['#bcbddc', '#807dba', '#54278f'],
  redis: ['#fcae91', '#fb6a4a', '#cb181d'],
  nats: ['#a1d99b', '#41ab5d', '#006d2c'],
};
const PERCENTILES = [
  { key: 'p50', label: 'p50' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
] as const;

/**
 * A grouped bar chart (log scale) of W4's end-to-end latency percentiles: one group per rate
 * and record size, three bars (p50, p99, p99.9) per system. Hand-written SVG: no dependency.
 */
export function latencySvg(measurements: readonly Measurement[], title: string): string {
  const rows = measurements.filter((m) => m.workload === 'W4' && m.status === 'ok' && m.latency);
  const groups = [...new Set(rows.map((m) => `${m.variant}, ${m.recordSize} B`))];
  const systems = [...new Set(rows.map((m) => m.system))];
  const bar = 12;
  const gap = 4;
  const groupWidth = Math.max(1, systems.length * PERCENTILES.length) * (bar + gap) + 30;
  const left = 70;
  const top = 50;
  const plotHeight = 320;
  const width = Math.max(520, left + groups.length * groupWidth + 160);
  const height = top + plotHeight + 70;
  const values = rows.flatMap((m) => PERCENTILES.map((p) => m.latency?.[p.key] ?? 0)).filter((v) => v > 0);
  const minExp = Math.floor(Math.log10(Math.min(...values, 1)));
  const maxExp = Math.ceil(Math.log10(Math.max(...values, 10)));
  const y = (v: number): number =>
    top + plotHeight - ((Math.log10(Math.max(v, 10 ** minExp)) - minExp) / (maxExp - minExp)) * plotHeight;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${left}" y="24" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  for (let e = minExp; e <= maxExp; e++) {
    const yy = y(10 ** e).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - 150}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dy="4">${formatMs(10 ** e)}</text>`);
  }
  parts.push(
    `<text x="16" y="${top + plotHeight / 2}" transform="rotate(-90 16 ${top + plotHeight / 2})" ` +
      `text-anchor="middle">end-to-end latency (ms, log scale)</text>`,
  );
  groups.forEach((group, g) => {
    const x0 = left + 15 + g * groupWidth;
    let i = 0;
    for (const system of systems) {
      const m = rows.find((r) => r.system === system && `${r.variant}, ${r.recordSize} B` === group);
      PERCENTILES.forEach((p, k) => {
        const v = m?.latency?.[p.key];
        const x = x0 + i * (bar + gap);
        i++;
        if (v === undefined) return;
        const yy = y(v);
        const color = COLORS[system]?.[k] ?? '#888';
        parts.push(
          `<rect x="${x}" y="${yy.toFixed(1)}" width="${bar}" height="${(top + plotHeight - yy).toFixed(1)}" ` +
            `fill="${color}"><title>${system} ${p.label} ${group}: ${v} ms</title></rect>`,
        );
      });
    }
    parts.push(
      `<text x="${x0 + (groupWidth - 30) / 2}" y="${top + plotHeight + 18}" text-anchor="middle">` +
        `${escapeXml(group)}</text>`,
    );
  });
  parts.push(
    `<line x1="${left}" x2="${width - 150}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#333"/>`,
  );
  systems.forEach((system, s) => {
    PERCENTILES.forEach((p, k) => {
      const ly = top + s * 60 + k * 16;
      const lx = width - 140;
      parts.push(
        `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${COLORS[system]?.[k] ?? '#888'}"/>`,
      );
      parts.push(`<text x="${lx + 18}" y="${ly + 10}">${system} ${p.label}</text>`);
    });
  });
  if (rows.length === 0) {
    parts.push(`<text x="${left}" y="${top + 40}">no W4 measurement in this run</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function formatMs(v: number): string {
  return v >= 1 ? `${v}` : v.toString();
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
