#!/usr/bin/env node
// `node bench/dist/profile-summary.js <file.cpuprofile> [top]`: the functions with the most
// self time in a V8 CPU profile (as written by `node --cpu-prof`, e.g. `pnpm bench --cpu-prof DIR`),
// so profile findings can be read without DevTools.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function summarize(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  // Each sample's time delta is charged to the node that was on top of the stack.
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  const idle = selfUs.get('(idle)') ?? 0;
  const busy = totalUs - idle;
  const rows = [...selfUs.entries()].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]);
  const lines = [
    `${path}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s not idle`,
    'self ms   % of busy  function',
  ];
  for (const [key, us] of rows.slice(0, top)) {
    lines.push(
      `${(us / 1000).toFixed(0).padStart(7)}  ${((100 * us) / busy).toFixed(1).padStart(9)}  ${key}`,
    );
  }
  return lines.join('\n');
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  const at = path.search(/\/(apps|packages|bench)\//);
  return at >= 0 ? path.slice(at + 1) : path;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/dist/profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
console.log(summarize(file, Number(topArg ?? 25)));
