/**
 * The open-loop load client, a process of its own: `deno run -A --config bench/peers/deno.json
 * bench/peers/load_client.ts <spec.json> <result.json>`. Spreads the clients over `spec.workers` workers,
 * and tells the orchestrator on stdout where it stands, one line each: `CONNECTED` (every socket open),
 * `START <epoch ms>` (the schedule begins), `DISCONNECTED` (resync mode: waiting for `GO` on stdin),
 * `HALF` (idle mode: half the sockets open, waiting for `GO`),
 * `STOP` (result written). The orchestrator samples /proc around those lines.
 */
import { merge } from "../load/stats.ts";
import { emptyResult, type LoadResult, type LoadSpec } from "./load_spec.ts";

const [specPath, outPath] = Deno.args;
if (!specPath || !outPath) throw new Error("usage: load_client.ts <spec.json> <result.json>");
const spec = JSON.parse(await Deno.readTextFile(specPath)) as LoadSpec;
const say = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

const workers = Array.from(
  { length: spec.workers },
  () => new Worker(new URL("./load_worker.ts", import.meta.url), { type: "module" }),
);
const results: LoadResult[] = [];
const phases = new Map<string, number>();
const { promise: finished, resolve: finish, reject: fail } = Promise.withResolvers<void>();

async function readGo(): Promise<void> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of Deno.stdin.readable) {
    text += decoder.decode(chunk);
    if (text.includes("GO")) return;
  }
}

async function onPhase(phase: string) {
  const count = (phases.get(phase) ?? 0) + 1;
  phases.set(phase, count);
  if (count < workers.length) return;
  let value: unknown;
  if (phase === "start") {
    say("CONNECTED");
    value = Math.round(performance.timeOrigin + performance.now() + 300);
    say(`START ${value}`);
  } else if (phase === "go") {
    say("DISCONNECTED");
    await readGo();
  } else if (phase === "half") {
    say("HALF");
    await readGo();
  }
  for (const w of workers) w.postMessage({ kind: phase, value });
}

workers.forEach((worker, index) => {
  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as { kind: string; phase?: string; result?: LoadResult; error?: string };
    if (message.kind === "ready") void onPhase(message.phase!);
    else if (message.kind === "failed") fail(new Error(`worker ${index}: ${message.error}`));
    else if (message.kind === "result") {
      results.push(message.result!);
      if (results.length === workers.length) finish();
    }
  };
  worker.onerror = (e) => fail(new Error(`worker ${index}: ${e.message}`));
  worker.postMessage({ kind: "run", spec, index });
});

await finished;
const total = emptyResult();
for (const r of results) {
  merge(total.latency, r.latency);
  merge(total.ackLatency, r.ackLatency);
  for (const k of ["sent", "acked", "refused", "received", "expected", "connectFailures"] as const) {
    total[k] += r[k];
  }
  for (const [code, n] of Object.entries(r.closes)) total.closes[code] = (total.closes[code] ?? 0) + n;
  if (r.resyncMs !== undefined) total.resyncMs = Math.max(total.resyncMs ?? 0, r.resyncMs);
  if (r.resyncIncomplete !== undefined) {
    total.resyncIncomplete = (total.resyncIncomplete ?? 0) + r.resyncIncomplete;
  }
}
await Deno.writeTextFile(outPath, JSON.stringify(total));
say("STOP");
for (const w of workers) w.terminate();
Deno.exit(0);
