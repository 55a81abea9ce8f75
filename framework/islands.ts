/**
 * Server side of islands: finds the top-level `*.tsx` files of the islands folder, and makes every
 * vnode of an island component render inside `<x-island data-island="Name" data-id="N">` while
 * recording its props for the page's state script. Detection happens at render time (not when JSX
 * is created) so an island used inside another island's render is just a component there;
 * `children` passed to an island from the server render as a static `<x-slot>`, whose content is
 * outside any island again.
 *
 * We wrap in an element rather than comment markers so the client can use Preact's public
 * `hydrate(vnode, element)` instead of emulating a parent node over a comment range.
 */
import { basename, dirname, join, resolve } from "node:path";
import { type ComponentChildren, type ComponentType, h, options, type VNode } from "preact";
import { ISLAND_TAG, SLOT_TAG } from "./constants.ts";
import { isTestFile, moduleExtension } from "./path_mapping.ts";
import { currentRender } from "./render_context.ts";
import { importModule } from "./import_module.ts";
import { entriesOf } from "./fs.ts";

/** An island source file. */
export interface IslandFile {
  /** File stem, e.g. `CounterButton`: the key used in the state script and the client build. */
  name: string;
  /** Absolute path. */
  file: string;
}

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;

const wrappers = new Map<AnyComponent, AnyComponent>();
let creatingOriginal = false;
let hookInstalled = false;

/** Lists the islands of a folder (top level only, tests and `_`-prefixed files skipped). */
export async function listIslands(islandsDir: string): Promise<IslandFile[]> {
  const dir = resolve(islandsDir);
  const folder = basename(dir);
  const islands: IslandFile[] = [];
  for (const entry of await entriesOf(dir)) {
    const ext = moduleExtension(entry.name);
    if (!entry.isFile || ext === undefined || isTestFile(entry.name) || entry.name.startsWith("_")) continue;
    islands.push({ name: basename(entry.name, ext), file: join(dir, entry.name) });
  }
  islands.sort((a, b) => a.name < b.name ? -1 : 1);
  for (let i = 1; i < islands.length; i++) {
    if (islands[i]!.name === islands[i - 1]!.name) {
      throw new Error(`${folder}/${islands[i]!.name}: two files share this name; keep one extension`);
    }
  }
  return islands;
}

/** Imports the islands and makes the server render mark them. */
export async function registerIslands(islands: IslandFile[]): Promise<void> {
  installHook();
  for (const island of islands) {
    const label = `${basename(dirname(island.file))}/${basename(island.file)}`;
    const mod = await importModule(island.file, label);
    if (typeof mod.default !== "function") {
      throw new Error(`${label}: must default-export a Preact component`);
    }
    const component = mod.default as AnyComponent;
    if (!wrappers.has(component)) wrappers.set(component, makeWrapper(island.name, component));
  }
}

function installHook() {
  if (hookInstalled) return;
  hookInstalled = true;
  const previous = options.vnode;
  options.vnode = (vnode: VNode) => {
    if (!creatingOriginal && typeof vnode.type === "function") {
      const wrapper = wrappers.get(vnode.type);
      if (wrapper) vnode.type = wrapper;
    }
    previous?.(vnode);
  };
}

function createOriginal(component: AnyComponent, props: Record<string, unknown>): VNode {
  creatingOriginal = true;
  try {
    return h(component, props);
  } finally {
    creatingOriginal = false;
  }
}

function makeWrapper(name: string, component: AnyComponent): AnyComponent {
  function IslandBoundary(props: Record<string, unknown>) {
    const state = currentRender();
    if (state === undefined || state.depth > 0) return createOriginal(component, props);
    const { children, ...rest } = props;
    const id = state.islands.length;
    const slot = children !== undefined && children !== null;
    state.islands.push({ name, props: rest, slot });
    const inner = slot ? { ...rest, children: h(Slot, { id }, children as ComponentChildren) } : rest;
    return h(
      ISLAND_TAG,
      { "data-island": name, "data-id": String(id), style: "display:contents" },
      h(Enter, null),
      createOriginal(component, inner),
      h(Exit, null),
    );
  }
  IslandBoundary.displayName = `Island(${name})`;
  return IslandBoundary;
}

// Rendered just before and after an island's subtree: render-to-string renders siblings in order,
// depth first, so these bracket everything the island renders.
function Enter() {
  const state = currentRender();
  if (state) state.depth++;
  return null;
}

function Exit() {
  const state = currentRender();
  if (state) state.depth--;
  return null;
}

function Slot(props: { id: number; children?: ComponentChildren }) {
  return h(
    SLOT_TAG,
    { "data-slot": String(props.id), style: "display:contents" },
    h(SlotEnter, null),
    props.children,
    h(SlotExit, null),
  );
}

function SlotEnter() {
  const state = currentRender();
  if (state) {
    state.savedDepths.push(state.depth);
    state.depth = 0;
  }
  return null;
}

function SlotExit() {
  const state = currentRender();
  if (state) state.depth = state.savedDepths.pop() ?? 0;
  return null;
}
