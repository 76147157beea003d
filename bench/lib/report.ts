/** Renders scenario results as markdown tables (stdout and BENCHMARKS.md) and as JSON. */
import os from 'node:os';
import type { ClientImpl, Column, Row, ScenarioResult } from './types.js';
import type { CpuPinning } from './cpu-pinning.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started and ended: other work on the machine skews figures. */
  loadAvg1m: { start: number; end: number | null };
}

const loadAtStart = Math.round(os.loadavg()[0]! * 100) / 100;

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvg1m: { start: loadAtStart, end: Math.round(os.loadavg()[0]! * 100) / 100 },
  };
}

function fmt(v: number | null | undefined, col: Column): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (col.format === 'bool') return v === 1 ? 'yes' : 'NO';
  return v.toLocaleString('en-US', { minimumFractionDigits: col.digits, maximumFractionDigits: col.digits });
}

function ratioCell(rows: Row[], row: Row, ref: string | undefined, key: string): string {
  if (ref === undefined) return '';
  const a = row.metrics[key];
  const b = rows.find((r) => r.name === ref)?.metrics[key];
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a';
  return `${(a / b).toFixed(2)}×`;
}

/** Only the columns at least one row has a value for. */
function usedColumns(r: ScenarioResult): Column[] {
  return r.columns.filter((c) => r.rows.some((row) => row.metrics[c.key] !== undefined));
}

export function scenarioMarkdown(r: ScenarioResult): string {
  const cols = usedColumns(r);
  const header: string[] = [r.rowHeader ?? (r.name === 'micro' ? 'operation' : 'implementation')];
  for (const c of cols) {
    header.push(c.label);
    if (c.ratios && r.ratioRefs?.ws) header.push(`${c.short ?? c.label} × ${r.ratioHeaders?.ws ?? 'raw ws'}`);
    if (c.ratios && r.ratioRefs?.sio) header.push(`${c.short ?? c.label} × ${r.ratioHeaders?.sio ?? 'Socket.IO'}`);
  }
  header.push('notes');
  const lines = [`### ${r.title}`, '', r.setup, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of r.rows) {
    const cells: string[] = [row.name];
    for (const c of cols) {
      cells.push(fmt(row.metrics[c.key], c));
      if (c.ratios && r.ratioRefs?.ws) cells.push(ratioCell(r.rows, row, r.ratioRefs.ws, c.key));
      if (c.ratios && r.ratioRefs?.sio) cells.push(ratioCell(r.rows, row, r.ratioRefs.sio, c.key));
    }
    cells.push(row.notes.join('; '));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function targetsMarkdown(results: ScenarioResult[]): string {
  const lines = ['### Targets', '', '| target | measured (ws-ssot) | met |', '|---|---|---|'];
  for (const r of results) {
    for (const t of r.targets) lines.push(`| ${t.target} | ${t.actual} | ${t.pass === null ? 'n/a' : t.pass ? 'yes' : 'NO'} |`);
  }
  return lines.join('\n');
}

export function fullMarkdown(results: ScenarioResult[], m: Machine, meta: { date: string; runs: number; quick: boolean; command: string; client: ClientImpl; pin: CpuPinning | null }): string {
  return [
    `## Results — ${meta.date}${meta.quick ? ' (QUICK smoke sizes, not comparable)' : ''}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.os}, Node ${m.node}. ` +
      `1-min load average ${m.loadAvg1m.start} at start, ${m.loadAvg1m.end ?? 'n/a'} at end. ` +
      `Server and clients on the same machine (separate processes${meta.pin === null ? '' : `; server pinned to CPU ${meta.pin.server}, client to CPU ${meta.pin.client}`}); load client: ${meta.client === 'native' ? 'the native C client (bench/native)' : 'Node (ws, socket.io-client)'}. ${meta.runs} run(s) per implementation, medians. ` +
      `Command: \`${meta.command}\`.`,
    '',
    ...results.flatMap((r) => [scenarioMarkdown(r), '']),
    targetsMarkdown(results),
    '',
  ].join('\n');
}
