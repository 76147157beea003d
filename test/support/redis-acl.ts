/**
 * The Redis ACL of docs/cluster.md ("Authentication, ACL and TLS"), read from the doc itself so that a test
 * applying it checks what users are told: the line for one server and, on a Redis Cluster, the line added.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const doc = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/cluster.md');

/**
 * The documented ACL SETUSER lines as argument lists (after `ACL SETUSER`), for `keyPrefix` and `password`:
 * the base line, then (with `cluster`) the Redis Cluster one.
 */
export async function documentedAcl(keyPrefix: string, password: string, cluster = false): Promise<string[][]> {
  const text = await readFile(doc, 'utf8');
  const base = /^ACL SETUSER wssot reset .*$/m.exec(text)?.[0];
  const extra = /^ACL SETUSER wssot \+cluster\|.*$/m.exec(text)?.[0];
  if (base === undefined || (cluster && extra === undefined)) throw new Error('docs/cluster.md lost its ACL SETUSER lines');
  const args = (line: string): string[] => line.split(/\s+/).slice(2).map((arg) => arg.replace('>change-me', `>${password}`).replace(/^([~&])wssot:\*$/, `$1${keyPrefix}:*`));
  return cluster ? [args(base), args(extra as string)] : [args(base)];
}
