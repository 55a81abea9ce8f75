/**
 * docs/reliability.md cannot drift: it is what its embedded data renders to, and that data has a row
 * for every scenario of the suite (`scenarios.ts`). Regenerate it with `deno task reliability`.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { DOC_PATH, embeddedData, render } from "./reliability_doc.ts";
import { SCENARIOS } from "./scenarios.ts";

Deno.test("reliability doc - docs/reliability.md is exactly what its embedded results render to", async () => {
  const doc = await Deno.readTextFile(DOC_PATH);
  const data = embeddedData(doc);
  assert(data, "docs/reliability.md has no embedded results: run `deno task reliability`");
  assertEquals(doc, render(data), "docs/reliability.md was edited by hand: run `deno task reliability`");
});

Deno.test("reliability doc - every scenario of the fault suite has a row with recorded runs", async () => {
  const data = embeddedData(await Deno.readTextFile(DOC_PATH));
  assert(data, "docs/reliability.md has no embedded results: run `deno task reliability`");
  assertEquals(
    data.scenarios.map((s) => s.id),
    Object.keys(SCENARIOS),
    "scenarios changed: run the suite and `deno task reliability`",
  );
  const unrun = data.scenarios.filter((s) => s.runs === 0).map((s) => s.id);
  assertEquals(unrun, [], "scenarios without any recorded run");
});
