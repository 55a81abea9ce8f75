/**
 * Preloaded (`deno run --v8-flags=--expose-gc --preload bench/load/gc_on_signal.ts …`) into the Deno
 * servers of a memory measurement, never into a measured run of anything else: on SIGUSR2 the process
 * runs V8's last-resort collection (the one a low-memory notification runs: full, and it gives back the
 * young generation's spare pages), so that the orchestrator reads what is live rather than what V8 has
 * not yet collected or has kept to allocate into (a socket's connect leaves garbage behind that an idle
 * process may keep for minutes, and a busy connect phase grows the young generation by megabytes).
 * A plain `gc()` leaves those pages: Préau's readings then varied by 30 % between rounds. Both Deno
 * systems of the idle scenario get it, so the comparison stays fair.
 */
const gc = (globalThis as { gc?: (options?: { type: string; flavor: string }) => void }).gc;
if (gc === undefined) throw new Error("gc_on_signal.ts needs --v8-flags=--expose-gc");
Deno.addSignalListener("SIGUSR2", () => gc({ type: "major", flavor: "last-resort" }));
