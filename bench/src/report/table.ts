import { CLIENT_PROCESS } from '../stats/cpu-budget.js';
import type { Measurement } from '../workloads/types.js';
import type { BenchReport } from './types.js';

/** The report as plain-text tables: measurements, Fjord's ratios to the peers, targets. */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `Fjord benchmark (${report.mode}), ${report.machine.cpus} cores ${report.machine.cpuModel}, ` +
      `node ${report.machine.node}, ${report.startedAt}, load average ` +
      `${report.machine.loadAverage.start} -> ${report.machine.loadAverage.end}`,
  );
  out.push('');
  out.push('Durability settings:');
  for (const s of report.systems)
    out.push(`  ${s.name}: ${s.durability}${s.status === 'ok' ? '' : ` [${s.status}]`}`);
  out.push('');
  out.push(
    table(
      [
        'work',
        'size',
        'system',
        'variant',
        'rec/s',
        'MiB/s',
        'latency',
        'p50',
        'p99',
        'p99.9',
        'srv CPU%',
        'srv RSS MiB',
        'client CPU%',
        'srv µs/rec',
        'cli µs/rec',
        'srv µs/MiB',
        'cli µs/MiB',
        'LevelDB w-amp',
        'note',
      ],
      report.measurements.map(row),
    ),
  );
  out.push('');
  out.push('Latency kinds: pub = batch send -> ack; e2e = intended send time -> consumed; poll = poll call.');
  out.push(
    'srv CPU% = all server processes, % of one core; srv RSS = largest server process peak (sampled).',
  );
  out.push(
    'µs/rec, µs/MiB = CPU per record and per MiB of record values in the window (srv: all servers summed;',
  );
  out.push(
    '  cli: the harness). LevelDB w-amp = table bytes written per byte the brokers wrote, over the cell.',
  );
  if (report.runs > 1) out.push(`Every number is the median of ${report.runs} runs of the whole selection.`);
  if (report.ratios.length > 0) {
    out.push('');
    out.push('Fjord / peer (throughput: > 1 means Fjord is faster; p99: < 1 means Fjord is faster):');
    out.push(
      table(
        ['work', 'size', 'variant', 'metric', 'peer', 'fjord', 'peer value', 'fjord/peer'],
        report.ratios.map((r) => [
          r.workload,
          String(r.recordSize),
          r.variant,
          r.metric,
          r.peer,
          fmt(r.fjord),
          fmt(r.peerValue),
          r.ratio.toFixed(2),
        ]),
      ),
    );
  }
  out.push('');
  out.push('Targets (2-core machine):');
  out.push(
    table(
      ['target', 'measured', 'status'],
      report.targets.map((t) => [t.target, clip(t.measured, 90), t.status]),
    ),
  );
  return out.join('\n');
}

function row(m: Measurement): string[] {
  const servers = (m.processes ?? []).filter((p) => p.name !== CLIENT_PROCESS);
  const client = (m.processes ?? []).find((p) => p.name === CLIENT_PROCESS);
  const cpu = servers.reduce((sum, p) => sum + p.cpuPercent, 0);
  const rss = servers.reduce((max, p) => Math.max(max, p.peakRssMiB), 0);
  const kind = m.latency?.kind.split(' ')[0] ?? '';
  let note = m.status === 'ok' ? '' : `${m.status}: ${m.reason ?? ''}`;
  if (m.status === 'ok' && m.workload === 'W2')
    note = `consume ${fmt(Number(m.extra?.consumeRecordsPerSec))} rec/s`;
  if (m.status === 'ok' && m.workload === 'W3' && m.extra?.ratioToRf1 !== undefined)
    note = `${m.extra.ratioToRf1} x RF=1`;
  if (m.status === 'ok' && m.workload === 'W4' && Number(m.extra?.unsent) > 0)
    note = `could not keep the rate: ${fmt(Number(m.extra?.unsent))} records never sent`;
  if (m.status === 'ok' && m.workload === 'W5') note = `backlog ${m.extra?.backlogMiB} MiB`;
  return [
    m.workload,
    String(m.recordSize),
    m.system,
    m.variant,
    m.status === 'ok' ? fmt(m.recordsPerSec) : '-',
    m.status === 'ok' ? String(m.mibPerSec ?? '-') : '-',
    kind === 'publish' ? 'pub' : kind === 'end-to-end' ? 'e2e' : kind,
    ms(m.latency?.p50),
    ms(m.latency?.p99),
    ms(m.latency?.p999),
    m.processes ? cpu.toFixed(0) : '-',
    m.processes ? rss.toFixed(0) : '-',
    client ? client.cpuPercent.toFixed(0) : '-',
    m.cpu ? m.cpu.serverUsPerRecord.toFixed(2) : '-',
    m.cpu ? m.cpu.clientUsPerRecord.toFixed(2) : '-',
    m.cpu ? fmt(m.cpu.serverUsPerMiB) : '-',
    m.cpu ? fmt(m.cpu.clientUsPerMiB) : '-',
    m.storage && m.storage.userMiB > 0 ? m.storage.writeAmplification.toFixed(2) : '-',
    clip(note, 70),
  ];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** Left-aligned text columns, numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,]+( x)?$/.test(r[i] ?? '')),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
