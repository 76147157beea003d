/**
 * Summarises a V8 .cpuprofile (from `--cpu-prof`): self time per function, top N, as a share of the busy
 * samples (idle excluded, since a bench server mostly waits for its clients).
 * Usage: tsx scripts/cpu-profile-summary.ts <file.cpuprofile> [N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx scripts/cpu-profile-summary.ts <file.cpuprofile> [N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules\/|src\/|legacy\/|bench\/)/, '$1')}:${frame.lineNumber + 1}` : '';
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  if (key === '(idle)') continue;
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
process.stdout.write(`${total} busy samples of ${profile.samples.length}\n`);
for (const [key, count] of rows) process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}\n`);
