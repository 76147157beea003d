/**
 * `BENCH_PHASE_PROF=<dir>`: a V8 CPU profile of the server's main thread for each phase alone (from the phase's
 * start until the parent's 'stop'), written as `<dir>/<impl>-<pid>-<n>.cpuprofile` (n = 1 for the warm-up,
 * 2 for the measured phase). `BENCH_CPU_PROF` profiles the whole process, start-up and connections included.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export class PhaseProfiler {
  readonly #dir: string;
  readonly #label: string;
  #session: Session | null = null;
  #phases = 0;

  constructor(dir: string, label: string) {
    this.#dir = dir;
    this.#label = label;
  }

  /** The profiler `BENCH_PHASE_PROF` asks for, or null. */
  static fromEnv(label: string): PhaseProfiler | null {
    const dir = process.env['BENCH_PHASE_PROF'];
    return dir === undefined || dir === '' ? null : new PhaseProfiler(dir, label);
  }

  async start(): Promise<void> {
    if (this.#session === null) {
      this.#session = new Session();
      this.#session.connect();
      await this.#session.post('Profiler.enable');
      await this.#session.post('Profiler.setSamplingInterval', { interval: 100 });
    }
    await this.#session.post('Profiler.start');
  }

  async stop(): Promise<void> {
    if (this.#session === null) return;
    const { profile } = await this.#session.post('Profiler.stop');
    this.#phases++;
    mkdirSync(this.#dir, { recursive: true });
    writeFileSync(path.join(this.#dir, `${this.#label}-${process.pid}-${this.#phases}.cpuprofile`), JSON.stringify(profile));
  }
}
