/**
 * One fault scenario from start to verdict: open the observation window, start the background
 * load, let enough messages through to measure "before", apply the fault, wait until live delivery
 * resumes (the recovery time), measure "after", stop the load, run the invariant checker, record
 * the result (`fault_results.ts`) and fail with every broken invariant in words.
 */
import {
  beginWindow,
  check,
  type Cut,
  type Figures,
  probeDelivery,
  type Verdict,
} from "./fault_invariants.ts";
import { recordResult, type ScenarioResult } from "./fault_results.ts";
import type { FaultWorld, LoadOptions } from "./fault_world.ts";

/** What a fault hands back to the runner. */
export interface FaultOutcome {
  /** People whose access the fault ended (their frames are checked against the cut). */
  cuts?: Cut[];
  /** Broken expectations of the fault itself (exit codes, close codes…). */
  violations?: string[];
  /** Facts for the report. */
  notes?: string[];
}

/** Options of {@linkcode runScenario}. */
export interface ScenarioOptions {
  /** Applies the fault; resolves once the harness has done its part (e.g. the restart is back). */
  fault(): Promise<FaultOutcome | void>;
  /**
   * Measure recovery from the fault's start, concurrently with it (a freeze: clients must move
   * away while it lasts) rather than from its end. Default false.
   */
  recoverDuringFault?: boolean;
  /** Runs after recovery was measured, before the checks (e.g. restart what the fault killed). */
  restore?(): Promise<void>;
  /** Load messages acked before the fault and again after recovery. Default 100 (2 s at 50/s). */
  measure?: number;
  /** Largest recovery time accepted. Default 10 000 ms. */
  maxRecoveryMs?: number;
  load?: LoadOptions;
  /** Keeps the load on after recovery until the window is this old (long runs). Default: no hold. */
  holdMs?: number;
  /** Appends the result to the results file. Default true (the soak records one result of its own). */
  record?: boolean;
}

/** A scenario that broke an invariant; `result` holds its figures and every violation. */
export class ScenarioFailure extends Error {
  constructor(readonly result: ScenarioResult) {
    super(
      `${result.id}: ${result.violations.length} invariant(s) broken:\n- ${result.violations.join("\n- ")}`,
    );
    this.name = "ScenarioFailure";
  }
}

/**
 * Runs one scenario on `world` (see the module documentation); resolves with its result, or throws
 * a {@linkcode ScenarioFailure} when an invariant broke.
 */
export async function runScenario(
  world: FaultWorld,
  id: string,
  options: ScenarioOptions,
): Promise<ScenarioResult> {
  const started = Date.now();
  let setupNotes: string[];
  try {
    setupNotes = await world.rebalance();
  } catch (error) {
    // A world that cannot be brought back is this scenario's failure too, recorded like any other.
    const result: ScenarioResult = {
      id,
      at: new Date().toISOString(),
      passed: false,
      violations: [`setup: ${error instanceof Error ? error.message : String(error)}`],
      figures: NO_FIGURES,
      durationMs: Date.now() - started,
    };
    if (options.record !== false) await recordResult(result);
    throw new ScenarioFailure(result);
  }
  const window = await beginWindow(world);
  const measure = options.measure ?? 100;
  const load = world.load({ messagesPerSecond: 50, maxMs: 120_000, ...options.load });
  let verdict: Verdict | undefined;
  let result: ScenarioResult | undefined;
  const violations: string[] = [];
  let outcome: FaultOutcome | void = undefined;
  try {
    await world.waitFor(
      () => ackedSince(world, started) >= measure,
      20_000,
      `${measure} acked messages before the fault`,
    );
    const faultAt = Date.now();
    let recoveryMs: number;
    if (options.recoverDuringFault) {
      const [done, recovery] = await Promise.allSettled([options.fault(), probeDelivery(world, 60_000)]);
      if (done.status === "rejected") throw done.reason;
      outcome = done.value;
      if (recovery.status === "rejected") throw recovery.reason;
      recoveryMs = recovery.value;
    } else {
      outcome = await options.fault();
      recoveryMs = await probeDelivery(world, 60_000);
    }
    const recoveredAt = Date.now();
    await options.restore?.();
    await world.waitFor(
      () => ackedSince(world, recoveredAt) >= measure,
      30_000,
      `${measure} acked messages after recovery`,
    );
    if (options.holdMs !== undefined) {
      const until = started + options.holdMs;
      await world.waitFor(() => Date.now() >= until, options.holdMs + 1000, "the end of the window");
    }
    await load.stop();
    verdict = await check(world, window, { faultAt, recoveredAt, recoveryMs, cuts: outcome?.cuts });
    violations.push(...(outcome?.violations ?? []), ...verdict.violations);
    const maxRecoveryMs = options.maxRecoveryMs ?? 10_000;
    if (recoveryMs > maxRecoveryMs) {
      violations.push(`recovery took ${recoveryMs} ms (at most ${maxRecoveryMs} ms expected)`);
    }
  } catch (error) {
    // Recorded like any broken invariant (a wait that timed out is one), and thrown below.
    violations.push(error instanceof Error ? error.message : String(error));
  } finally {
    await load.stop();
    // What this scenario left failed is retried by its person (the retry button), so that the next
    // scenario starts with empty outboxes; the failure is already in this one's verdict.
    for (const client of world.clients) {
      for (const item of client.store.outbox.peek()) {
        if (item.state === "failed") client.store.retry(item.clientId);
      }
    }
    const figures = verdict?.figures ?? NO_FIGURES;
    result = {
      id,
      at: new Date().toISOString(),
      passed: violations.length === 0,
      violations,
      figures,
      durationMs: Date.now() - started,
      notes: [...setupNotes, ...(outcome?.notes ?? [])],
    };
    if (options.record !== false) await recordResult(result);
    const f = figures;
    console.log(
      `[${id}] acked ${f.acked}, lost ${f.lost}, duplicated ${f.duplicated}, misordered ${f.misordered}, ` +
        `leaked ${f.leaked}; recovery ${f.recoveryMs} ms; delivery p50/p99 before ${f.before.p50}/${f.before.p99} ms, ` +
        `after ${f.after.p50}/${f.after.p99} ms; ${Date.now() - started} ms`,
    );
  }
  if (violations.length > 0) throw new ScenarioFailure(result);
  return result;
}

/** The figures of a scenario that failed before its checker ran. */
const NO_FIGURES: Figures = {
  acked: 0,
  lost: 0,
  duplicated: 0,
  misordered: 0,
  leaked: 0,
  recoveryMs: -1,
  before: { p50: 0, p99: 0, count: 0 },
  after: { p50: 0, p99: 0, count: 0 },
};

/** Load messages acked to their senders since `since`. */
export function ackedSince(world: FaultWorld, since: number): number {
  let n = 0;
  for (const client of world.clients) {
    for (const sent of client.sent.values()) if (sent.ack && sent.at >= since) n++;
  }
  return n;
}
