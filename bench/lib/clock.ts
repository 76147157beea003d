/**
 * The one clock every benchmark process stamps with.
 *
 * `process.hrtime()` reads CLOCK_MONOTONIC on Linux (mach_absolute_time on macOS, QPC on Windows), which is
 * system-wide: a stamp taken in the server process can be subtracted from one taken in the client process
 * on the same machine. It has nanosecond resolution and never jumps with NTP, unlike `Date.now()`.
 */
export function nowMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
