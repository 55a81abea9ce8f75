/**
 * The state of the server render in progress. `renderToString` is synchronous, so a module-level
 * "current render" is safe even with concurrent requests: no other render can interleave.
 */
import type { ComponentChildren } from "preact";

/** One island instance the page rendered at top level (or inside a server slot). */
export interface IslandUse {
  name: string;
  props: Record<string, unknown>;
  /** Whether `children` were passed and rendered as a static `<x-slot>`. */
  slot: boolean;
}

/** Collected while rendering one page. */
export interface RenderState {
  islands: IslandUse[];
  /** Children of every `<Head>`, injected into the document's `<head>` after rendering. */
  head: ComponentChildren[];
  /** > 0 while rendering inside an island: nested islands are then plain components. */
  depth: number;
  /** Depths saved when entering a server slot (whose content is outside any island again). */
  savedDepths: number[];
}

let current: RenderState | undefined;

/** The render in progress, or undefined in the browser and outside framework renders. */
export function currentRender(): RenderState | undefined {
  return current;
}

/** Runs `fn` (a synchronous render) with `state` as the current render. */
export function withRenderState<T>(state: RenderState, fn: () => T): T {
  const previous = current;
  current = state;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** A fresh state for one page render. */
export function newRenderState(): RenderState {
  return { islands: [], head: [], depth: 0, savedDepths: [] };
}
