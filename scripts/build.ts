/** `deno task build`: prebuilds the island bundles into `_build/`, which `start` uses while current. */
import { fileURLToPath } from "node:url";
import { buildIslands } from "../framework/mod.ts";
import { CLIENT_SOURCES } from "../server/app.ts";

const build = await buildIslands({
  ...CLIENT_SOURCES,
  outDir: fileURLToPath(new URL("../_build", import.meta.url)),
});
console.log(
  `built ${build.files.size} files for ${build.islands.length} islands into _build/ (entry ${build.entry})`,
);
