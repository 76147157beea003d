/** Starts nodes of a test deployment as separate processes (cluster-node.ts), each with its own Redis connections. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeConfig, NodeRequest } from './cluster-node.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cluster-node.ts');

type Op = NodeRequest extends infer R ? (R extends { op: infer O } ? O : never) : never;
type Args<O extends Op> = Omit<Extract<NodeRequest, { op: O }>, 'id' | 'op'>;

export interface ClusterNode {
  port: number;
  /** ws://127.0.0.1:<port>/ws */
  url: string;
  config: NodeConfig;
  call<O extends Op>(op: O, args?: Args<O>): Promise<unknown>;
  /** Unhandled rejections the node reported (a test asserts none). */
  unhandled: string[];
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>;
  /** Graceful: closes the ws-ssot server, then the process. */
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startNode(config: NodeConfig): Promise<ClusterNode> {
  const child: ChildProcess = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, WSSOT_NODE: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const unhandled: string[] = [];
  let nextId = 1;
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`node exited (${code ?? signal})`));
    pending.clear();
    resolve(code ?? signal);
  }));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`node exited before listening (${String(code)})`)));
    child.on('message', (msg: { ready?: number; id?: number; result?: unknown; error?: { message: string }; unhandled?: string }) => {
      if (msg.ready !== undefined) return resolve(msg.ready);
      if (msg.unhandled !== undefined) return void unhandled.push(msg.unhandled);
      const p = pending.get(msg.id ?? -1);
      if (p === undefined) return;
      pending.delete(msg.id as number);
      if (msg.error !== undefined) p.reject(Object.assign(new Error(msg.error.message), msg.error));
      else p.resolve(msg.result);
    });
  });
  const node: ClusterNode = {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    config: { ...config, port },
    unhandled,
    exited,
    call(op, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, ...(args ?? {}) });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await node.call('close').catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  return node;
}
