/*
 * The benchmark's native load client (`npm run bench -- --client native`): the connections of one client
 * child, in C, so that the client costs a fraction of the CPU the Node client does and the figures show the
 * server rather than the client's drain rate. Built on demand by bench/lib/native-client.ts; driven by
 * bench/clients/native-client.ts, which relays the harness's IPC protocol to stdin and stdout.
 *
 * Speaks the client side of RFC 6455 (masked frames out, ping answered with pong) and, for `sio`, Engine.IO
 * v4 / Socket.IO v5 packets over it ("0" open -> "40" connect; "2" ping -> "3"; "42[...]" events).
 * One thread, one epoll loop, non-blocking sockets.
 *
 * stdin, one command a line:
 *   connect <port> <ws|sio> <concurrency> <timeoutMs> <path> <user>...   one user id per connection
 *   expect <n>...                                                       one expected count per connection
 *   report
 *   quit
 * stdout, one JSON object a line: {"type":"connected",...} {"type":"expecting",...} {"type":"done","stats":...}
 * {"type":"report","stats":...}, with the fields of ClientStats in bench/clients/client.ts.
 *
 * A benchmark payload is a text message containing `"bench":1` followed by `"t":<send stamp>`; its latency is
 * now - stamp on CLOCK_MONOTONIC in ms, the clock `process.hrtime()` reads (bench/lib/clock.ts).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { IDLE, CONNECTING, HANDSHAKE, OPEN, CLOSED };
enum kind { KIND_WS, KIND_SIO };

struct conn {
  int fd;
  enum state state;
  int sio_connected;
  char *buf;
  size_t len, cap;
  uint32_t count, expected;
};

static const uint32_t STDIN_ID = 0xffffffffu;

static struct conn *conns;
static uint32_t nconns;
static char **users;
static enum kind kind;
static int port, epfd;
static char *path;

/* connecting */
static int connecting;
static uint32_t next_start, inflight, opened, failed, concurrency;
static double connect_t0, connect_deadline;
static char *first_error;

/* the current phase */
static int armed, done_pending;
/* BENCH_NATIVE_SPIN=1: poll without sleeping while a phase is armed (the client has a CPU of its own, --pin) */
static int spin;
/* While spinning, between the phase's first delivery and its last: loop turns whose wall time exceeded this
 * thread's CPU time by more than OFF_CPU_MS, i.e. times the client was not running (preempted by another task
 * in the guest, or its vCPU by the host) while deliveries were arriving */
#define OFF_CPU_MS 0.5
static uint64_t off_cpu_count, preempted_count;
static double off_cpu_max, turn_wall = -1, turn_cpu;
static long turn_switches;
static uint64_t received, expected_total, ignored, closed_during_phase;
static double *lat;
static uint64_t lat_cap;
static double first_at = -1, last_at = -1, cpu0;

static double clock_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

static double cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double thread_cpu_ms(void) { return clock_ms(CLOCK_THREAD_CPUTIME_ID); }

/* Involuntary context switches of this thread: another task was given its CPU. */
static long involuntary_switches(void) {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nivcsw;
}

/*
 * Called once per loop turn while spinning: notes a turn in which the client was off the CPU, and whether it was
 * preempted by another task then (an involuntary switch) rather than held up by interrupts and the network work
 * they carry (softirq time, which on loopback includes the benchmark's own TCP processing) or by the host.
 */
static void note_turn(void) {
  double wall = now_ms(), cpu = thread_cpu_ms();
  long switches = involuntary_switches();
  if (turn_wall >= 0 && first_at >= 0) {
    double off = (wall - turn_wall) - (cpu - turn_cpu);
    if (off > OFF_CPU_MS) {
      off_cpu_count++;
      if (off > off_cpu_max) off_cpu_max = off;
      if (switches != turn_switches) preempted_count++;
    }
  }
  turn_wall = wall;
  turn_cpu = cpu;
  turn_switches = switches;
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (q == NULL) {
    fprintf(stderr, "ws-load-client: out of memory\n");
    exit(1);
  }
  return q;
}

static void note_error(const char *what) {
  if (first_error == NULL) first_error = strdup(what);
}

/* ---- writing: masked client frames (control replies and Socket.IO handshake packets only) ---- */

static void send_frame(struct conn *c, int opcode, const char *payload, size_t n) {
  unsigned char frame[2 + 4 + 125];
  if (n > 125) n = 125;
  uint32_t key = (uint32_t)rand();
  frame[0] = (unsigned char)(0x80 | opcode);
  frame[1] = (unsigned char)(0x80 | n);
  memcpy(frame + 2, &key, 4);
  for (size_t i = 0; i < n; i++) frame[6 + i] = (unsigned char)payload[i] ^ frame[2 + (i & 3)];
  /* Small and rare: a short write here would only lose a pong or a handshake packet; report it. */
  if (write(c->fd, frame, 6 + n) != (ssize_t)(6 + n)) note_error("short write of a control frame");
}

/* ---- connection life ---- */

static void start_next(void);

static void watch(struct conn *c, uint32_t id, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.u32 = id};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) note_error("epoll_ctl failed");
}

static void mark_closed(struct conn *c) {
  if (c->state == CLOSED) return;
  int was_open = c->state == OPEN && (kind == KIND_WS || c->sio_connected);
  int was_pending = c->state == CONNECTING || c->state == HANDSHAKE || (c->state == OPEN && !was_open);
  c->state = CLOSED;
  if (c->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
  }
  if (was_open && armed) closed_during_phase++;
  if (was_pending && connecting) {
    failed++;
    inflight--;
    start_next();
  }
}

static void mark_open(void) {
  opened++;
  inflight--;
  start_next();
}

static void start_one(uint32_t id) {
  struct conn *c = &conns[id];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) {
    note_error(strerror(errno));
    c->state = CLOSED;
    failed++;
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
    note_error(strerror(errno));
    close(c->fd);
    c->fd = -1;
    c->state = CLOSED;
    failed++;
    return;
  }
  c->state = CONNECTING;
  inflight++;
  watch(c, id, EPOLLOUT, EPOLL_CTL_ADD);
}

static void start_next(void) {
  while (connecting && inflight < concurrency && next_start < nconns && now_ms() < connect_deadline) start_one(next_start++);
}

static void send_upgrade(struct conn *c, uint32_t id) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    note_error(strerror(err));
    mark_closed(c);
    return;
  }
  char req[1024];
  const char *sep = strchr(path, '?') != NULL ? "&" : "?";
  const char *engine = kind == KIND_SIO ? "EIO=4&transport=websocket&" : ""; /* Engine.IO's query, for Socket.IO */
  int n = snprintf(req, sizeof req,
                   "GET %s%s%suser=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, sep, engine, users[id], port);
  if (n <= 0 || n >= (int)sizeof req || write(c->fd, req, (size_t)n) != n) {
    note_error("upgrade request not written");
    mark_closed(c);
    return;
  }
  c->state = HANDSHAKE;
  watch(c, id, EPOLLIN, EPOLL_CTL_MOD);
}

/* ---- reading ---- */

static void on_message(struct conn *c, const char *p, size_t n) {
  if (kind == KIND_SIO) {
    if (n >= 1 && p[0] == '0') { /* engine.io open: connect to the main namespace */
      send_frame(c, 0x1, "40", 2);
      return;
    }
    if (n >= 1 && p[0] == '2') { /* engine.io ping */
      send_frame(c, 0x1, "3", 1);
      return;
    }
    if (n >= 2 && p[0] == '4' && p[1] == '0') {
      if (!c->sio_connected) {
        c->sio_connected = 1;
        mark_open();
      }
      return;
    }
    if ((n >= 2 && p[0] == '4' && p[1] == '1') || (n >= 1 && p[0] == '1')) { /* namespace disconnect, engine close */
      mark_closed(c);
      return;
    }
    if (!(n >= 2 && p[0] == '4' && p[1] == '2')) return;
  }
  const char *b = memmem(p, n, "\"bench\":1", 9);
  const char *t = b == NULL ? NULL : memmem(b, n - (size_t)(b - p), "\"t\":", 4);
  if (t == NULL) {
    ignored++;
    return;
  }
  double now = now_ms();
  double stamp = strtod(t + 4, NULL);
  c->count++;
  if (received < lat_cap) lat[received] = now - stamp;
  received++;
  if (first_at < 0) first_at = now;
  last_at = now;
  if (armed && received >= expected_total) {
    armed = 0;
    done_pending = 1; /* reported after this batch of events, so same-batch duplicates are counted */
  }
}

/* Parses what the buffer holds: the HTTP response, then whole frames. Returns 0 if the connection closed. */
static int parse(struct conn *c) {
  size_t off = 0;
  if (c->state == HANDSHAKE) {
    char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) return 1;
    if (c->len < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
      note_error("upgrade refused");
      mark_closed(c);
      return 0;
    }
    off = (size_t)(end - c->buf) + 4;
    c->state = OPEN;
    if (kind == KIND_WS) mark_open();
  }
  for (;;) {
    size_t avail = c->len - off;
    if (avail < 2) break;
    const unsigned char *h = (const unsigned char *)c->buf + off;
    uint64_t plen = h[1] & 0x7f;
    size_t hl = 2;
    if (plen == 126) {
      if (avail < 4) break;
      plen = ((uint64_t)h[2] << 8) | h[3];
      hl = 4;
    } else if (plen == 127) {
      if (avail < 10) break;
      plen = 0;
      for (int i = 0; i < 8; i++) plen = (plen << 8) | h[2 + i];
      hl = 10;
    }
    if (h[1] & 0x80) hl += 4; /* a masked frame from a server is a protocol error; skip the key anyway */
    if (avail < hl + plen) {
      size_t need = off + hl + (size_t)plen;
      if (need > c->cap) {
        c->cap = need;
        c->buf = xrealloc(c->buf, c->cap);
      }
      break;
    }
    int opcode = h[0] & 0x0f;
    const char *payload = (const char *)h + hl;
    if (opcode == 0x1) on_message(c, payload, (size_t)plen);
    else if (opcode == 0x9) send_frame(c, 0xA, payload, (size_t)plen);
    else if (opcode == 0x8) {
      mark_closed(c);
      return 0;
    } else if (opcode == 0x0) ignored++; /* fragments: no bench server sends them */
    if (c->state == CLOSED) return 0;
    off += hl + (size_t)plen;
  }
  if (off > 0) {
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
  }
  return 1;
}

static void on_readable(struct conn *c) {
  for (;;) {
    if (c->cap - c->len < 16384) {
      c->cap = c->cap * 2 + 16384;
      c->buf = xrealloc(c->buf, c->cap);
    }
    ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (r > 0) {
      c->len += (size_t)r;
      if (!parse(c)) return;
      continue;
    }
    if (r == 0 || (errno != EAGAIN && errno != EINTR)) mark_closed(c);
    return;
  }
}

/* ---- reporting ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void print_number(const char *name, double v, int present) {
  if (present) printf(",\"%s\":%.6f", name, v);
  else printf(",\"%s\":null", name);
}

static void print_stats(const char *type) {
  uint64_t n = received < lat_cap ? received : lat_cap;
  qsort(lat, n, sizeof(double), cmp_double);
  uint32_t shortc = 0, over = 0;
  uint64_t missing = 0, surplus = 0;
  for (uint32_t i = 0; i < nconns; i++) {
    if (conns[i].count < conns[i].expected) {
      shortc++;
      missing += conns[i].expected - conns[i].count;
    } else if (conns[i].count > conns[i].expected) {
      over++;
      surplus += conns[i].count - conns[i].expected;
    }
  }
  double sum = 0;
  for (uint64_t i = 0; i < n; i++) sum += lat[i];
  /* nearest rank, as percentileSorted in bench/lib/stats.ts */
  uint64_t r50 = n == 0 ? 0 : (uint64_t)((50.0 / 100.0) * (double)n + 0.999999999);
  uint64_t r99 = n == 0 ? 0 : (uint64_t)((99.0 / 100.0) * (double)n + 0.999999999);
  if (r50 < 1) r50 = 1;
  if (r99 < 1) r99 = 1;
  if (r50 > n) r50 = n;
  if (r99 > n) r99 = n;
  printf("{\"type\":\"%s\",\"stats\":{\"received\":%llu,\"expected\":%llu,\"complete\":%s,\"connectionsShort\":%u,"
         "\"connectionsOver\":%u,\"missing\":%llu,\"surplus\":%llu,\"closedDuringPhase\":%llu,\"ignored\":%llu",
         type, (unsigned long long)received, (unsigned long long)expected_total, shortc == 0 && over == 0 ? "true" : "false", shortc, over,
         (unsigned long long)missing, (unsigned long long)surplus, (unsigned long long)closed_during_phase, (unsigned long long)ignored);
  print_number("p50", n ? lat[r50 - 1] : 0, n > 0);
  print_number("p99", n ? lat[r99 - 1] : 0, n > 0);
  print_number("max", n ? lat[n - 1] : 0, n > 0);
  print_number("mean", n ? sum / (double)n : 0, n > 0);
  print_number("firstAt", first_at, first_at >= 0);
  print_number("lastAt", last_at, last_at >= 0);
  print_number("cpuMs", cpu_ms() - cpu0, 1);
  print_number("offCpuCount", (double)off_cpu_count, spin);
  print_number("offCpuMaxMs", off_cpu_max, spin);
  print_number("preemptedCount", (double)preempted_count, spin);
  printf("}}\n");
  fflush(stdout);
}

static void finish_connecting(void) {
  connecting = 0;
  failed = nconns - opened; /* includes connections never attempted before the deadline */
  printf("{\"type\":\"connected\",\"open\":%u,\"failed\":%u,\"ms\":%.3f", opened, failed, now_ms() - connect_t0);
  if (first_error != NULL && failed > 0) printf(",\"firstError\":\"%s\"", first_error); /* strerror text: no quotes */
  printf("}\n");
  fflush(stdout);
}

/* ---- commands ---- */

static char **split(char *line, uint32_t *count) {
  uint32_t cap = 16, n = 0;
  char **out = xrealloc(NULL, cap * sizeof(char *));
  for (char *tok = strtok(line, " "); tok != NULL; tok = strtok(NULL, " ")) {
    if (n == cap) out = xrealloc(out, (cap *= 2) * sizeof(char *));
    out[n++] = tok;
  }
  *count = n;
  return out;
}

static void command(char *line) {
  uint32_t argc;
  char **argv = split(line, &argc);
  if (argc >= 6 && strcmp(argv[0], "connect") == 0) {
    port = atoi(argv[1]);
    kind = strcmp(argv[2], "sio") == 0 ? KIND_SIO : KIND_WS;
    concurrency = (uint32_t)atoi(argv[3]);
    if (concurrency == 0) concurrency = 1;
    double timeout_ms = atof(argv[4]);
    path = strdup(argv[5]);
    nconns = argc - 6;
    users = xrealloc(NULL, (nconns + 1) * sizeof(char *));
    for (uint32_t i = 0; i < nconns; i++) users[i] = strdup(argv[6 + i]);
    conns = calloc(nconns + 1, sizeof(struct conn));
    for (uint32_t i = 0; i < nconns; i++) {
      conns[i].fd = -1;
      conns[i].state = IDLE;
      conns[i].cap = 16384;
      conns[i].buf = xrealloc(NULL, conns[i].cap);
    }
    connecting = 1;
    connect_t0 = now_ms();
    connect_deadline = connect_t0 + timeout_ms;
    start_next();
    if (opened + failed == nconns) finish_connecting();
  } else if (argc >= 1 && strcmp(argv[0], "expect") == 0) {
    expected_total = 0;
    for (uint32_t i = 0; i < nconns; i++) {
      conns[i].expected = i + 1 < argc ? (uint32_t)strtoul(argv[i + 1], NULL, 10) : 0;
      conns[i].count = 0;
      expected_total += conns[i].expected;
    }
    received = 0;
    ignored = 0;
    closed_during_phase = 0;
    first_at = last_at = -1;
    free(lat);
    lat_cap = expected_total + 1024;
    lat = xrealloc(NULL, lat_cap * sizeof(double));
    armed = expected_total > 0;
    done_pending = 0;
    off_cpu_count = 0;
    off_cpu_max = 0;
    preempted_count = 0;
    turn_wall = -1;
    cpu0 = cpu_ms();
    printf("{\"type\":\"expecting\",\"expectedTotal\":%llu}\n", (unsigned long long)expected_total);
    fflush(stdout);
  } else if (argc >= 1 && strcmp(argv[0], "report") == 0) {
    print_stats("report");
  } else if (argc >= 1 && strcmp(argv[0], "quit") == 0) {
    exit(0);
  }
  free(argv);
}

int main(void) {
  const char *spin_env = getenv("BENCH_NATIVE_SPIN");
  spin = spin_env != NULL && strcmp(spin_env, "1") == 0;
  epfd = epoll_create1(0);
  struct epoll_event sev = {.events = EPOLLIN, .data.u32 = STDIN_ID};
  epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &sev);
  size_t in_cap = 1 << 16, in_len = 0;
  char *in = xrealloc(NULL, in_cap);
  struct epoll_event evs[512];
  for (;;) {
    int spinning = spin && armed;
    if (spinning) note_turn();
    int n = epoll_wait(epfd, evs, 512, connecting ? 50 : spinning ? 0 : -1);
    if (n < 0 && errno != EINTR) return 1;
    for (int k = 0; k < n; k++) {
      uint32_t id = evs[k].data.u32;
      if (id == STDIN_ID) {
        if (in_cap - in_len < 4096) in = xrealloc(in, in_cap *= 2);
        ssize_t r = read(0, in + in_len, in_cap - in_len - 1);
        if (r <= 0) return 0; /* the parent went away */
        in_len += (size_t)r;
        char *start = in, *nl;
        while ((nl = memchr(start, '\n', in_len - (size_t)(start - in))) != NULL) {
          *nl = 0;
          command(start);
          start = nl + 1;
        }
        in_len -= (size_t)(start - in);
        memmove(in, start, in_len);
        continue;
      }
      struct conn *c = &conns[id];
      if (c->state == CONNECTING) {
        if (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) send_upgrade(c, id);
      } else if (c->state == HANDSHAKE || c->state == OPEN) {
        on_readable(c);
      }
    }
    if (done_pending) {
      done_pending = 0;
      print_stats("done");
    }
    if (connecting) {
      start_next();
      if (opened + failed == nconns || (now_ms() >= connect_deadline && inflight == 0) || now_ms() >= connect_deadline + 5000) finish_connecting();
    }
  }
}
