/** The JSON a bench run writes to `bench/results/` and docs/performance.md is generated from. */
import type { Measure } from "./run_load.ts";
import type { Sizes } from "./scenarios.ts";

export interface ScenarioResult {
  id: string;
  title: string;
  kind: "deliveries" | "writes" | "idle" | "resync" | "slow";
  note?: string;
  rate: number;
  /** Every round's measure, per system (`preau`, `bare`, `pgnotify`, `socketio`, or a variant label). */
  rounds: Record<string, Measure[]>;
}

export interface StepResult {
  system: string;
  steps: { rate: number; measure: Measure }[];
  /** The highest rate kept with nothing lost or refused and p99 ≤ 250 ms; null if even the first failed. */
  sustained: number | null;
}

export interface ListMeasure {
  conversations: number;
  api: { path: string; status: number; ms: number | null; bytes: number };
  page: { path: string; status: number; ms: number | null; bytes: number };
}

export interface BenchResults {
  quick: boolean;
  date: string;
  machine: { nproc: number; cpu: string; ramGiB: number; deno: string; postgres: string };
  sizes: Sizes;
  scenarios: ScenarioResult[];
  steps: StepResult[];
  list?: ListMeasure;
}
