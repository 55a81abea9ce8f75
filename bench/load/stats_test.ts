import { assert, assertEquals } from "../../tests/support/assert.ts";
import { median, merge, newHistogram, parseProcStat, parseProcStatus, percentile, record } from "./stats.ts";

Deno.test("bench stats - percentiles of 1..1000 ms are within 1 % and p100 is the exact max", () => {
  const h = newHistogram();
  for (let ms = 1; ms <= 1000; ms++) record(h, ms);
  for (const [p, want] of [[50, 500], [90, 900], [99, 990], [99.9, 999]] as const) {
    const got = percentile(h, p)!;
    assert(Math.abs(got - want) / want <= 0.011, `p${p}: ${got} is not within 1 % of ${want}`);
  }
  assertEquals(percentile(h, 100), 1000);
  assertEquals(percentile(newHistogram(), 50), null);
});

Deno.test("bench stats - merged histograms answer as one histogram of both samples", () => {
  const a = newHistogram(), b = newHistogram(), both = newHistogram();
  for (let i = 0; i < 500; i++) {
    record(a, 0.5 + i / 100);
    record(b, 40 + i);
    record(both, 0.5 + i / 100);
    record(both, 40 + i);
  }
  const merged = merge(a, b);
  assertEquals(merged.count, 1000);
  for (const p of [10, 50, 90, 99.9]) assertEquals(percentile(merged, p), percentile(both, p));
});

Deno.test("bench stats - median ignores missing values and averages an even count", () => {
  assertEquals(median([3, null, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
  assertEquals(median([null, undefined]), null);
});

Deno.test("bench stats - /proc stat fields are counted after a command name holding spaces and parentheses", () => {
  const line =
    "4242 (deno (worker) x) S 17 4242 4242 0 -1 4194560 1234 0 0 0 250 75 5 7 20 0 12 0 5000 1000000 9000 18446744073709551615";
  assertEquals(parseProcStat(line), { pid: 4242, ppid: 17, cpuTicks: 325, childTicks: 12 });
  const status = "Name:\tdeno\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100000 kB\n";
  assertEquals(parseProcStatus(status), { peakRssKiB: 123456, rssKiB: 100000 });
});

Deno.test("bench stats - this process's own /proc entries parse to its pid and a resident set", () => {
  const stat = parseProcStat(Deno.readTextFileSync("/proc/self/stat"));
  assertEquals(stat.pid, Deno.pid);
  assert(stat.cpuTicks >= 0 && stat.ppid > 0);
  const status = parseProcStatus(Deno.readTextFileSync("/proc/self/status"));
  assert(status.peakRssKiB >= status.rssKiB && status.rssKiB > 0, JSON.stringify(status));
});
