/**
 * The fault suite's own output: one JSON line per scenario run (figures, violations, when, how
 * long), appended to {@linkcode resultsPath}. `deno task reliability` renders docs/reliability.md
 * from these lines (`tests/faults/reliability_doc.ts`), so the document says what the suite measured.
 */
import type { Figures } from "./fault_invariants.ts";
import { ROOT } from "./processes.ts";

/** One run of one scenario. */
export interface ScenarioResult {
  /** The scenario's id in `tests/faults/scenarios.ts`. */
  id: string;
  /** ISO time of the run's end. */
  at: string;
  passed: boolean;
  violations: string[];
  figures: Figures;
  durationMs: number;
  /** Free-form facts of the run (e.g. the property test's seed and runs, the soak's shortening). */
  notes?: string[];
}

/** `PREAU_RELIABILITY_RESULTS`, or `_build/reliability/results.jsonl` in the project (not committed). */
export function resultsPath(): string {
  return Deno.env.get("PREAU_RELIABILITY_RESULTS") || `${ROOT}_build/reliability/results.jsonl`;
}

/** Appends one result line. */
export async function recordResult(result: ScenarioResult, path = resultsPath()): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(result) + "\n", { append: true });
}

/** Every recorded result (none when the file does not exist). */
export async function readResults(path = resultsPath()): Promise<ScenarioResult[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}
