import { agentRuns } from './agent-runs.js';
import { broadcast } from './broadcast.js';
import { broadcastPaced } from './broadcast-paced.js';
import { clusterBroadcast, clusterBroadcastPaced } from './cluster-broadcast.js';
import { clusterRoute } from './cluster-route.js';
import { clusterTargeted, clusterTargetedPaced } from './cluster-targeted.js';
import { importTime } from './import-time.js';
import { memory } from './memory.js';
import { micro } from './micro.js';
import { redisMemory } from './redis-memory.js';
import { targeted } from './targeted.js';
import type { Scenario } from '../lib/types.js';

/** Every scenario, in the order `npm run bench` runs them. A new scenario file is added here. */
export const SCENARIOS: readonly Scenario[] = [broadcast, broadcastPaced, targeted, agentRuns, micro, memory, importTime, clusterTargeted, clusterTargetedPaced, clusterBroadcast, clusterBroadcastPaced, clusterRoute, redisMemory];
