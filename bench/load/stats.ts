/**
 * The pure parts of the load benchmark, shared by the load client (bench/peers/, its own config) and the
 * orchestrator: a mergeable latency histogram, medians, and readers of `/proc/<pid>/stat` and
 * `/proc/<pid>/status`. No imports, so both Deno configurations can load it.
 */

/** Relative width of one histogram bucket: 1 %, so any percentile is within 1 % of the true value. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets cover 1 µs … about 10⁹ µs (16 min); anything longer lands in the last one. */
const BUCKETS = 2100;

/** A latency histogram in microseconds with 1 % buckets; plain data, so it crosses workers and JSON. */
export interface Histogram {
  counts: number[];
  count: number;
  /** Exact extremes, in ms. */
  maxMs: number;
  minMs: number;
}

export function newHistogram(): Histogram {
  return { counts: new Array(BUCKETS).fill(0), count: 0, maxMs: 0, minMs: Infinity };
}

function bucketOf(ms: number): number {
  const us = Math.max(1, ms * 1000);
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_GROWTH));
}

/** Records one latency (ms; negative clock jitter counts as 0). */
export function record(h: Histogram, ms: number): void {
  const v = Math.max(0, ms);
  h.counts[bucketOf(v)]! += 1;
  h.count += 1;
  if (v > h.maxMs) h.maxMs = v;
  if (v < h.minMs) h.minMs = v;
}

/** Adds `from` into `into`. */
export function merge(into: Histogram, from: Histogram): Histogram {
  for (let i = 0; i < BUCKETS; i++) into.counts[i]! += from.counts[i] ?? 0;
  into.count += from.count;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  into.minMs = Math.min(into.minMs, from.minMs);
  return into;
}

/**
 * The `p`-th percentile (0–100) in ms: the upper edge of the bucket holding that rank, capped by the
 * exact maximum (so p100 is the max). `null` when empty.
 */
export function percentile(h: Histogram, p: number): number | null {
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * h.count));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(h.maxMs, Math.max(h.minMs, Math.pow(GROWTH, i) / 1000));
  }
  return h.maxMs;
}

/** The latency figures every scenario reports. */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export function summarize(h: Histogram): LatencySummary {
  return {
    p50: percentile(h, 50),
    p90: percentile(h, 90),
    p99: percentile(h, 99),
    p999: percentile(h, 99.9),
    max: h.count === 0 ? null : h.maxMs,
  };
}

/** The median of the numbers given (nulls ignored); `null` when there are none. Even counts average. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const xs = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) =>
    a - b
  );
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** What `/proc/<pid>/stat` tells: CPU in clock ticks and the parent pid. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in clock ticks (`getconf CLK_TCK`, 100 on Linux). */
  cpuTicks: number;
  /** cutime + cstime: what its children that ended (and were waited for) spent, in clock ticks. */
  childTicks: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may hold spaces
 * or parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(")");
  if (close === -1) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, text.indexOf(" ")));
  // After ") ": field 3 (state) is index 0, so field N is index N - 3.
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  return { pid, ppid: field(4), cpuTicks: field(14) + field(15), childTicks: field(16) + field(17) };
}

/** Reads `VmHWM` (peak resident set) and `VmRSS` from `/proc/<pid>/status`, in KiB. */
export function parseProcStatus(text: string): { peakRssKiB: number; rssKiB: number } {
  const kib = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m"))?.[1] ?? NaN);
  return { peakRssKiB: kib("VmHWM"), rssKiB: kib("VmRSS") };
}
