import { assertEquals } from "../tests/support/assert.ts";
import { summaryLine } from "./test.ts";

Deno.test("test runner - restates deno's closing line in the plain form", () => {
  assertEquals(
    summaryLine("x\n\x1b[32mok\x1b[0m | 12 passed | 0 failed \x1b[38;5;245m(3s)\x1b[0m\n"),
    "tests: 12 passed, 0 failed",
  );
  assertEquals(
    summaryLine("FAILED | 3 passed | 2 failed | 4 ignored (1s)"),
    "tests: 3 passed, 2 failed, 4 skipped",
  );
  assertEquals(summaryLine("ok | 5 passed (7 steps) | 0 failed (2s)"), "tests: 5 passed, 0 failed");
  assertEquals(summaryLine("no summary here"), undefined);
});
