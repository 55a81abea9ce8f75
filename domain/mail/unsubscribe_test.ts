import { assertEquals } from "../../tests/support/assert.ts";
import { unsubscribeToken, verifyUnsubscribeToken } from "./unsubscribe.ts";

const SECRET = "a-secret-of-at-least-thirty-two-characters!";
const USER = "6f1b1a52-8f7e-4a43-9b7e-0b8f2f1c3d4e";

Deno.test("unsubscribe token - verifies for its user, not when tampered or under another key", async () => {
  const token = await unsubscribeToken(SECRET, USER);
  assertEquals(await verifyUnsubscribeToken(SECRET, token), USER);
  const other = "7f1b1a52-8f7e-4a43-9b7e-0b8f2f1c3d4e";
  assertEquals(await verifyUnsubscribeToken(SECRET, `${other}.${token.split(".")[1]}`), undefined);
  assertEquals(await verifyUnsubscribeToken(`${SECRET}x`, token), undefined);
  assertEquals(await verifyUnsubscribeToken(SECRET, "garbage"), undefined);
});
