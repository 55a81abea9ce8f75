/**
 * Preloaded (`deno run --v8-flags=--expose-gc --preload bench/load/gc_on_signal.ts …`) into the Deno
 * servers of a memory measurement, never into a measured run of anything else: on SIGUSR2 the process
 * runs a full garbage collection, so that the orchestrator reads what is live rather than what V8 has
 * not yet collected (a socket's connect leaves garbage behind that an idle process may keep for
 * minutes). Both Deno systems of the idle scenario get it, so the comparison stays fair.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("gc_on_signal.ts needs --v8-flags=--expose-gc");
Deno.addSignalListener("SIGUSR2", () => gc());
