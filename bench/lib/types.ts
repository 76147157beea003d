import type { ImplName } from '../servers/index.js';
import type { CpuPinning } from './cpu-pinning.js';

/** Which program holds the client connections (`--client`). */
export type ClientImpl = 'node' | 'native';

/** What the CLI passes to every scenario. */
export interface ScenarioContext {
  /** Small sizes for a smoke run (seconds, not minutes). */
  quick: boolean;
  /** Repetitions per implementation; reported figures are medians. */
  runs: number;
  /** Implementations to run, in order. */
  impls: ImplName[];
  /**
   * The cluster scenarios' implementations (those with `cluster` options in servers/index.ts), in order.
   * @default DEFAULT_CLUSTER_IMPLS
   */
  clusterImpls?: ImplName[];
  /**
   * A delivery run during which other processes used more than this share of the machine's CPU (%) is
   * repeated, up to 3 attempts in all. 100 disables. @default 15
   */
  maxOtherLoadPct: number;
  /**
   * The load client: `node` (ws and socket.io-client in a Node process) or `native` (one C process, a
   * fraction of the CPU per frame, so the server rather than the client sets the pace). The CLI's default is 'node'.
   */
  client: ClientImpl;
  /** `--pin`: the CPUs of the server and of the load client (null: wherever the kernel puts them). */
  pin: CpuPinning | null;
  log(message: string): void;
}

/** A reported column. Numbers are medians over runs; null prints as "n/a". */
export interface Column {
  key: string;
  label: string;
  /** Decimal places. */
  digits: number;
  /** Add "× raw ws" and "× Socket.IO" columns after this one. */
  ratios?: boolean;
  /** Short name used in the ratio columns' headers. */
  short?: string;
  /** 'bool' prints 1/0 as yes/no. */
  format?: 'number' | 'bool';
}

export interface Row {
  /** Implementation, or for micro rows the operation measured. */
  name: string;
  metrics: Record<string, number | null>;
  /** Why a figure is missing, incomplete deliveries, and similar caveats. */
  notes: string[];
  /** Per-run figures behind the medians (JSON only). */
  perRun?: Array<Record<string, number | boolean | null>>;
}

/** A target from the issue, checked against measured figures (null: could not be checked). */
export interface TargetCheck {
  target: string;
  actual: string;
  pass: boolean | null;
}

export interface ScenarioResult {
  name: string;
  title: string;
  /** What was run, in one line (sizes, runs). */
  setup: string;
  columns: Column[];
  rows: Row[];
  /** Implementation rows for ratio columns: ratio = row / reference row. */
  ratioRefs?: { ws?: string; sio?: string };
  /** The first column's header (default: implementation; micro: operation). */
  rowHeader?: string;
  /** What the ratio columns' headers call the reference rows (default: raw ws, Socket.IO). */
  ratioHeaders?: { ws?: string; sio?: string };
  targets: TargetCheck[];
}

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}
