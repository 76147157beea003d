/**
 * The Redis engine's Lua scripts. Each runs atomically on the one slot of a user's keys:
 * - publish: assigns the next seq, appends the frame to the user's stream (trimmed by count and age) and
 *   publishes it, so an event is either logged and published or neither;
 * - snapshot: the epoch, the latest seq and, for a resuming client, exactly the missed frames (or that
 *   they cannot all be replayed);
 * - verify: whether the log still holds the entry a node's tabs had last (a failover may have lost it);
 * - admit: the cluster-wide per-user limit over live presence entries.
 * A user's epoch is created by whichever script first finds none, and changes only when the log is really
 * lost: the meta key gone (flush, eviction, TTL), or the log found to have lost entries that tabs were given
 * (verify). The TTL is refreshed by every event and by the heartbeat of each node holding the user, so a
 * restart or a deploy resumes.
 */

/** The server's clock in ms (TIME, allowed in scripts since effects replication). */
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Creates the user's meta (KEYS[1]) in a new epoch, the candidate in ARGV[1] (into `epoch`). */
const NEW_EPOCH = `epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0, 'ms', 0)`;

/** Reads or creates the epoch of the user (KEYS[1] meta) with a candidate in ARGV[1]. */
const EPOCH = `local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  ${NEW_EPOCH}
end`;

/**
 * Above this many fields in a user's meta hash (4 of them not send ids), a node's first send to the user drops
 * the other nodes' send ids (see PUBLISH_SCRIPT): a few deploys' worth of replaced nodes, at about 32 B each.
 */
export const MAX_META_FIELDS = 32;

/**
 * Meta fields: epoch, seq, ms (the latest entry's time part: ids stay increasing if the clock steps back),
 * tm (when the log was last trimmed by age), and per producing node `l<node>` = `<send number>|<seq>` of that
 * node's latest send to the user.
 * KEYS: meta, log. ARGV: 1 epoch candidate, unique per send and also the send's id, `<node>.<send number>`
 * (<node> without '.'), 2 durable '1'|'0', 3 maxEvents, 4 maxAgeMs, 5 ttlMs, 6 channel, 7 frame head (up to
 * `"seq":`), 8 frame tail (after the seq), 9 delivery char, 10 coalesce key, 11 publish command (SPUBLISH |
 * PUBLISH). The channel message carries the log entry's time part (0 when the event is not logged: it names
 * the entry, so a node can tell it from another with the same seq after a failover) and the coalesce key's
 * length in bytes (`#`, as the reader counts it). Returns { seq, epoch }.
 * The same send again (ioredis resends what was in flight when its connection was lost, and the engine what
 * ioredis gave up on; either may have run) is answered as the first time and not run twice: a node has at
 * most one send per user in flight, so its latest send is the only one that can come again, and each node
 * keeps its own (another node's sends in between do not replace it). The fields of nodes long gone (a deploy
 * gives every node a new id) are dropped when a node's first send to the user finds more than
 * MAX_META_FIELDS fields: with that many producing nodes alive, a live node's id could be dropped too.
 */
export const PUBLISH_SCRIPT = `local dot = string.find(ARGV[1], '.', 1, true)
if not dot then return redis.error_reply('ERR ws-ssot: a send id is <engine>.<number>') end
local mine = 'l' .. string.sub(ARGV[1], 1, dot - 1)
local sent = string.sub(ARGV[1], dot + 1)
local meta = redis.call('HMGET', KEYS[1], 'epoch', mine, 'ms', 'tm', 'seq')
local epoch = meta[1]
if not epoch then
  ${NEW_EPOCH}
elseif meta[2] then
  local bar = string.find(meta[2], '|', 1, true)
  if bar and string.sub(meta[2], 1, bar - 1) == sent then return {tonumber(string.sub(meta[2], bar + 1)), epoch} end
elseif redis.call('HLEN', KEYS[1]) > ${MAX_META_FIELDS} then
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.byte(field, 1) == 108 then redis.call('HDEL', KEYS[1], field) end
  end
end
local seq
local frame
local ms = 0
if ARGV[2] == '1' then
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  frame = ARGV[7] .. seq .. ARGV[8]
  if tonumber(ARGV[3]) > 0 then
    ${NOW}
    ms = tonumber(meta[3]) or 0
    if now > ms then ms = now end
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], string.format('%d-%d', ms, seq), 'f', frame)
    -- Trimming by age at most once a second per user: a snapshot reads only entries younger than maxAgeMs anyway.
    local tm = tonumber(meta[4]) or 0
    if ms - tm >= 1000 then
      redis.call('XTRIM', KEYS[2], 'MINID', '~', string.format('%d-0', math.max(0, ms - tonumber(ARGV[4]))))
      redis.call('HSET', KEYS[1], 'ms', ms, 'tm', ms, mine, sent .. '|' .. seq)
    else
      redis.call('HSET', KEYS[1], 'ms', ms, mine, sent .. '|' .. seq)
    end
    redis.call('PEXPIRE', KEYS[2], ARGV[5])
  else
    redis.call('HSET', KEYS[1], mine, sent .. '|' .. seq)
  end
else
  seq = tonumber(meta[5]) or 0
  frame = ARGV[7] .. seq .. ARGV[8]
  redis.call('HSET', KEYS[1], mine, sent .. '|' .. seq)
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call(ARGV[11], ARGV[6], 'e|' .. ARGV[9] .. '|' .. seq .. '|' .. ms .. '|' .. epoch .. '|' .. #ARGV[10] .. '|' .. ARGV[10] .. frame)
return {seq, epoch}`;

/** The `ts` of an event frame (`{"v":1,"type":"…","seq":N,"ts":T,…}`), as a string; nil if it has none. */
const TS_OF = `local function tsOf(frame)
  return string.match(frame, '^{"v":1,"type":"[^"]*","seq":%d+,"ts":(%d+)')
end`;

/**
 * KEYS: meta, log. ARGV: 1 epoch candidate, 2 lastSeq (-1: no resume asked), 3 the client's epoch,
 * 4 maxAgeMs, 5 ttlMs, 6 the client's lastTs ('': unknown). Returns { epoch, seq, recovered (-1 not asked,
 * 0 no, 1 yes, 2 no: the log was rewritten), ms (the latest entry's time part, 0 if none), ts (the latest
 * event's `ts`, 0 if the log does not hold it), frames… }: the frames are exactly seqs lastSeq+1 … seq, all
 * younger than maxAgeMs, or none and recovered 0 or 2. The latest `ts` goes to the client in the session
 * frame, so that a client starting at that seq (or sent there by a gap) can name its event when it resumes.
 * A client that names its event at lastSeq by its `ts` is checked against the log's entry with that seq
 * (when the log holds it: the latest entry, or one younger than maxAgeMs): another `ts` there means a
 * failover lost the client's event and gave its seq to a new one; as in the verify script, that log is a lost
 * one and gets a new epoch (ARGV[1]: the epoch existed, or the client's would not have matched).
 */
export const SNAPSHOT_SCRIPT = `${EPOCH}
${TS_OF}
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local meta = redis.call('HMGET', KEYS[1], 'seq', 'ms')
local seq = tonumber(meta[1])
local ms = tonumber(meta[2]) or 0
local latestTs = nil
if ms > 0 and seq > 0 then
  local id = ms .. '-' .. seq
  local latest = redis.call('XRANGE', KEYS[2], id, id)[1]
  if latest then latestTs = tsOf(latest[2][2]) end
end
local ts = tonumber(latestTs) or 0
local last = tonumber(ARGV[2])
if last < 0 then return {epoch, seq, -1, ms, ts} end
if ARGV[3] ~= epoch or last > seq then return {epoch, seq, 0, ms, ts} end
-- The event the log holds at lastSeq has another ts than the one the client named (both known).
local function other(t)
  return ARGV[6] ~= '' and t ~= nil and t ~= ARGV[6]
end
local function rewritten()
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1])
  return {ARGV[1], seq, 2, ms, ts}
end
if last == seq then
  if other(latestTs) then return rewritten() end
  return {epoch, seq, 1, ms, ts}
end
${NOW}
local entries = redis.call('XRANGE', KEYS[2], string.format('%d-0', math.max(0, now - tonumber(ARGV[4]))), '+')
local out = {epoch, seq, 1, ms, ts}
local expect = last + 1
for _, entry in ipairs(entries) do
  local s = tonumber(string.match(entry[1], '-(%d+)$'))
  if s == last and other(tsOf(entry[2][2])) then return rewritten() end
  if s >= expect then
    if s ~= expect then return {epoch, seq, 0, ms, ts} end
    out[#out + 1] = entry[2][2]
    expect = expect + 1
  end
end
if expect ~= seq + 1 then return {epoch, seq, 0, ms, ts} end
return out`;

/**
 * After a reconnect or a gap: whether the log still holds what a node's tabs were given, the entry
 * `<ms>-<seq>` they had last. A failover can lose acknowledged writes and the promoted replica then gives
 * the same seqs to new events: the seq alone matches, the entry id does not. A log that went back or gave
 * the tabs' last seq to another entry is a lost log: a new epoch, so every tab of the old history, on any
 * node and whenever it resumes, gets `recovered: false` instead of the new events' seqs taken for its own.
 * An entry trimmed away cannot be compared and is taken as held (a resume then says what the log can serve).
 * KEYS: meta, log. ARGV: 1 the tabs' epoch, 2 their last seq, 3 its entry's time part ('0': not logged),
 * 4 a new epoch candidate. Returns { epoch, seq, diverged (1: the epoch was changed here, 0: not) }; epoch
 * false when the meta is gone.
 */
export const VERIFY_SCRIPT = `local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
if not meta[1] then return {false, 0, 0} end
local seq = tonumber(meta[2])
if meta[1] ~= ARGV[1] then return {meta[1], seq, 0} end
local last = tonumber(ARGV[2])
local diverged = seq < last
if not diverged and ARGV[3] ~= '0' then
  local id = ARGV[3] .. '-' .. ARGV[2]
  if #redis.call('XRANGE', KEYS[2], id, id) == 0 then
    -- Entries are contiguous by seq from the first kept one: if it is at or before the tabs' last seq, the
    -- entry with that seq is in the log under another id.
    local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
    diverged = first ~= nil and tonumber(string.match(first[1], '-(%d+)$')) <= last
  end
end
if not diverged then return {meta[1], seq, 0} end
redis.call('HSET', KEYS[1], 'epoch', ARGV[4])
return {ARGV[4], seq, 1}`;

/**
 * KEYS: presence. ARGV: 1 member (`<connectedAt>|<sessionId>|<nodeId>|<connectionId>`), 2 ttlMs, 3 limit
 * (0 = none), 4 policy ('reject' | 'evict'), 5 the member's sessionId. Expired entries are dropped first;
 * entries of the same session (a ghost being replaced) do not count. Returns { 1 } admitted, { 0 } refused,
 * or { 2, evicted member } admitted after evicting the oldest entry.
 */
export const ADMIT_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[3])
local victim = false
if limit > 0 then
  local held = 0
  local oldest = false
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local session = string.match(m, '^[^|]*|([^|]*)|')
    if session ~= ARGV[5] then
      held = held + 1
      if not oldest or m < oldest then oldest = m end
    end
  end
  if held >= limit then
    if ARGV[4] ~= 'evict' then return {0} end
    victim = oldest
    redis.call('ZREM', KEYS[1], victim)
  end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if victim then return {2, victim} end
return {1}`;
