/**
 * Child processes for the harness: TypeScript entry points run with `node --import tsx`, driven over IPC.
 * Every wait has a timeout, and every child is killed by its own handle (never by name).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './cpu-pinning.js';

/** Repository root (the worktree the bench runs in). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface IpcMessage {
  type: string;
  [key: string]: unknown;
}

/** A forked child with a buffered inbox, so no message is lost between `send` and `waitFor`. */
export class Child {
  private readonly inbox: IpcMessage[] = [];
  private readonly waiters: Array<{ type: string; resolve: (m: IpcMessage) => void; reject: (e: Error) => void }> = [];
  private exited: Error | null = null;
  private stderrTail = '';

  constructor(
    readonly label: string,
    readonly proc: ChildProcess,
  ) {
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4_000);
      if (process.env['BENCH_VERBOSE'] === '1') process.stderr.write(`[${label}] ${chunk.toString()}`);
    });
    proc.on('message', (raw) => {
      const msg = raw as IpcMessage;
      if (msg.type === 'error') {
        this.fail(new Error(`${label}: ${String(msg['message'])}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === msg.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(msg);
      else this.inbox.push(msg);
    });
    proc.on('exit', (code, signal) => {
      this.fail(new Error(`${label} exited (code ${code}, signal ${signal})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`));
    });
  }

  private fail(err: Error): void {
    this.exited ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  send(msg: IpcMessage): void {
    if (this.proc.connected) this.proc.send(msg);
  }

  /** The next message of `type` (buffered or future); rejects after `timeoutMs` or if the child dies. */
  waitFor<T extends IpcMessage = IpcMessage>(type: string, timeoutMs: number): Promise<T> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        type,
        resolve: (m: IpcMessage) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`${this.label}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends `msg` and waits for the reply of type `reply`. */
  request<T extends IpcMessage = IpcMessage>(msg: IpcMessage, reply: string, timeoutMs: number): Promise<T> {
    const p = this.waitFor<T>(reply, timeoutMs);
    this.send(msg);
    return p;
  }

  /** Asks politely (`close` message), then kills this child if it has not exited within `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Forks a TypeScript file under tsx (resolved from the repository root) with its own heap flags; on the CPUs
 * `cpus` (taskset syntax) if given, every thread of the child included.
 */
export function forkTs(label: string, file: string, args: string[] = [], nodeFlags: string[] = [], env: Record<string, string> = {}, cpus: string | null = null): Child {
  // fork() runs execPath with execArgv before the file: with a pinning, that is taskset, then node.
  const node = pinnedCommand(cpus, process.execPath, ['--import', 'tsx', ...nodeFlags]);
  const proc = fork(file, args, {
    cwd: ROOT,
    execPath: node.command,
    execArgv: node.args,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  return new Child(label, proc);
}
