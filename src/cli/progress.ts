/**
 * Progress on stderr, so stdout stays the report (`--json` output can be piped as is). Only for large trees
 * (from PROGRESS_FROM files on), a line every PROGRESS_EVERY files and one at the end; on a terminal the line is
 * rewritten in place. `--no-progress` turns it off.
 */
export const PROGRESS_FROM = 200;
export const PROGRESS_EVERY = 250;

export interface Progress {
  note(message: string): void;
  file(done: number, total: number): void;
}

export function progress(enabled: boolean, label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  return {
    note(message) {
      if (enabled) stream.write(`${label}: ${message}\n`);
    },
    file(done, total) {
      if (!enabled || total < PROGRESS_FROM) return;
      if (done % PROGRESS_EVERY !== 0 && done !== total) return;
      const line = `${label}: ${done}/${total} files`;
      stream.write(tty ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
    },
  };
}
