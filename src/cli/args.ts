/**
 * The command line: `ws-ssot <command> [dir] [options]`. Options may come before or after the directory;
 * `--name=value` and `--name value` both work; a repeatable option takes one value per use, or several
 * separated by commas (`--only` also takes the values that follow it while they look like codes).
 */
import { UsageError } from './exit-codes.js';

export type CommandName = 'check' | 'migrate';

export interface CheckArgs {
  readonly command: 'check';
  readonly dir: string;
  readonly json: boolean;
  /** Exit 1 below this score. @default 100 */
  readonly minScore: number;
  readonly legacyModules: readonly string[];
  readonly progress: boolean;
}

export interface MigrateArgs {
  readonly command: 'migrate';
  readonly dir: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  /** Deprecation codes or rule ids to rewrite; empty: everything. */
  readonly only: readonly string[];
  readonly legacyModules: readonly string[];
  readonly progress: boolean;
}

export type ParsedArgs = CheckArgs | MigrateArgs | { readonly command: 'help'; readonly topic: CommandName | null } | { readonly command: 'version' };

interface OptionSpec {
  readonly name: string;
  readonly value: 'none' | 'one' | 'many';
}

const COMMON: readonly OptionSpec[] = [
  { name: 'legacy-module', value: 'many' },
  { name: 'no-progress', value: 'none' },
  { name: 'json', value: 'none' },
  { name: 'help', value: 'none' },
];

const SPECS: Record<CommandName, readonly OptionSpec[]> = {
  check: [...COMMON, { name: 'min-score', value: 'one' }],
  migrate: [...COMMON, { name: 'dry-run', value: 'none' }, { name: 'only', value: 'many' }],
};

/** What `--only` accepts: a deprecation code or one of the finder's rule ids. */
export const ONLY_VALUE = /^(WSSOT_DEP\d{3}|legacy-import|legacy-name|snake-case|user-less-emit|module-singleton|import-cycle)$/;

function isCommand(word: string): word is CommandName {
  return word === 'check' || word === 'migrate';
}

function splitValues(raw: string, option: string): string[] {
  const values = raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (values.length === 0) throw new UsageError(`--${option} needs a value`);
  return values;
}

/** Parses `argv` (without node and the script). Throws UsageError (exit 2) on anything it does not know. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' && rest[0] !== undefined ? rest[0] : null;
    if (topic !== null && !isCommand(topic)) throw new UsageError(`unknown command '${topic}' (commands: check, migrate)`);
    return { command: 'help', topic };
  }
  if (first === '--version' || first === '-v') return { command: 'version' };
  if (!isCommand(first)) throw new UsageError(`unknown command '${first}' (commands: check, migrate; ws-ssot --help)`);
  const specs = SPECS[first];
  const seen = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '-h') {
      seen.set('help', []);
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs.find((s) => s.name === name);
    if (spec === undefined) throw new UsageError(`unknown option --${name} for ${first} (ws-ssot ${first} --help)`);
    const values = seen.get(name) ?? [];
    if (spec.value === 'none') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      seen.set(name, values);
      continue;
    }
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (raw === undefined) {
      raw = rest[i + 1];
      if (raw === undefined || raw.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    if (spec.value === 'one' && seen.has(name)) throw new UsageError(`--${name} is given twice`);
    values.push(...(spec.value === 'many' ? splitValues(raw, name) : [raw]));
    // --only CODE CODE …: the values that follow while they look like codes or rule ids.
    if (name === 'only') while (rest[i + 1] !== undefined && ONLY_VALUE.test(rest[i + 1] as string)) values.push(rest[++i] as string);
    seen.set(name, values);
  }
  if (seen.has('help')) return { command: 'help', topic: first };
  if (positionals.length > 1) throw new UsageError(`${first} takes one directory, got ${positionals.length}: ${positionals.join(' ')}`);
  const dir = positionals[0] ?? '.';
  const legacyModules = seen.get('legacy-module') ?? [];
  const progress = !seen.has('no-progress');
  const json = seen.has('json');
  if (first === 'check') {
    const rawScore = seen.get('min-score')?.[0];
    const minScore = rawScore === undefined ? 100 : Number(rawScore);
    if (rawScore !== undefined && (!/^\d+$/.test(rawScore) || minScore > 100)) throw new UsageError(`--min-score takes a whole number from 0 to 100, got '${rawScore}'`);
    return { command: 'check', dir, json, minScore, legacyModules, progress };
  }
  const only = seen.get('only') ?? [];
  for (const value of only) if (!ONLY_VALUE.test(value)) throw new UsageError(`--only takes deprecation codes (WSSOT_DEP001…) or rule ids, got '${value}'`);
  return { command: 'migrate', dir, dryRun: seen.has('dry-run'), json, only, legacyModules, progress };
}
