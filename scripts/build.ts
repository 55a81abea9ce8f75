/** `deno task build`: prebuilds the island bundles into `_build/`, which `start` uses while current. */
import { buildIslands } from "../framework/mod.ts";

const build = await buildIslands({ islandsDir: "islands", outDir: "_build" });
console.log(
  `built ${build.files.size} files for ${build.islands.length} islands into _build/ (entry ${build.entry})`,
);
