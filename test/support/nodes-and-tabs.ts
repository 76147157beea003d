/**
 * A test file's node processes and tabs, closed after each test: the tabs first, then the nodes, then
 * whatever `afterNodes` stops (the Redis servers the nodes used, say).
 */
import { afterEach } from 'vitest';
import type { ClusterNode } from './cluster-nodes.js';
import type { TrackedTab } from './tracked-tab.js';

export function useNodesAndTabs(afterNodes: () => Promise<unknown> = async () => undefined): { nodes: ClusterNode[]; tabs: TrackedTab[] } {
  const nodes: ClusterNode[] = [];
  const tabs: TrackedTab[] = [];
  afterEach(async () => {
    await Promise.all(tabs.splice(0).map((t) => t.client.close()));
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    await afterNodes();
  });
  return { nodes, tabs };
}
