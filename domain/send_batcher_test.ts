import { assertEquals, assertRejects, assertThrows } from "../tests/support/assert.ts";
import type { AppendMessageInput, AppendOutcome } from "../db/messages.ts";
import type { Message } from "../db/models.ts";
import { AppError } from "./errors.ts";
import { SendBatcher } from "./send_batcher.ts";

const input = (clientId: string): AppendMessageInput => ({
  conversationId: "c",
  senderId: "s",
  clientId,
  body: clientId,
});
const stored = (i: AppendMessageInput, seq: number): AppendOutcome => ({
  ok: true,
  result: { message: { clientId: i.clientId, seq } as Message, created: true },
});

Deno.test("send batcher - sends arriving together share one batch; later ones wait for it, then go at once", async () => {
  const batches: string[][] = [];
  let release = () => {};
  const batcher = new SendBatcher(async (inputs) => {
    batches.push(inputs.map((i) => i.clientId));
    if (batches.length === 1) await new Promise<void>((resolve) => release = resolve);
    return inputs.map((i, n) => stored(i, n));
  }, { gatherMs: 5 });
  const first = ["a", "b", "c"].map((id) => batcher.submit(input(id)));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(batches, [["a", "b", "c"]]);
  const second = ["d", "e"].map((id) => batcher.submit(input(id)));
  assertEquals(batcher.queued, 2, "queued while the first batch is being stored");
  release();
  assertEquals((await Promise.all(first)).map((r) => r.message.clientId), ["a", "b", "c"]);
  assertEquals((await Promise.all(second)).map((r) => r.message.clientId), ["d", "e"]);
  assertEquals(batches, [["a", "b", "c"], ["d", "e"]]);
});

Deno.test("send batcher - one failed outcome rejects only its send; a failed store rejects its batch", async () => {
  let fail = false;
  const batcher = new SendBatcher((inputs) => {
    if (fail) return Promise.reject(new Error("connection lost"));
    return Promise.resolve(
      inputs.map((i, n) => i.clientId === "bad" ? { ok: false, error: new Error("bad") } : stored(i, n)),
    );
  }, { gatherMs: 1 });
  const [good, bad] = [batcher.submit(input("good")), batcher.submit(input("bad"))];
  assertEquals((await good).message.clientId, "good");
  assertEquals((await assertRejects(() => bad)).message, "bad");
  fail = true;
  assertEquals((await assertRejects(() => batcher.submit(input("later")))).message, "connection lost");
});

Deno.test("send batcher - overloaded when too many wait or the oldest waited too long, nothing stored", async () => {
  const seen: string[] = [];
  const gates = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  const release = () => gates[0]!.resolve();
  const releaseSecond = () => gates[1]!.resolve();
  let batches = 0;
  const batcher = new SendBatcher(async (inputs) => {
    seen.push(...inputs.map((i) => i.clientId));
    await gates[batches++]?.promise;
    return inputs.map((i, n) => stored(i, n));
  }, { gatherMs: 1, maxBatch: 2, maxQueued: 2, maxWaitMs: 50 });
  const inFlight = [batcher.submit(input("a")), batcher.submit(input("b"))]; // full batch: stored at once
  const waiting = [batcher.submit(input("c")), batcher.submit(input("d"))];
  const refused = (id: string) => assertThrows(() => batcher.submit(input(id)), AppError);
  assertEquals(refused("e").code, "overloaded", "two already wait");
  release();
  await Promise.all(inFlight);
  // "c" and "d" are being stored now; hold the next batch and let "g" grow old in the queue.
  const old = batcher.submit(input("g"));
  await new Promise((resolve) => setTimeout(resolve, 80));
  assertEquals(refused("h").code, "overloaded", "the oldest waited past maxWaitMs");
  releaseSecond();
  await Promise.all([...waiting, old]);
  assertEquals(seen, ["a", "b", "c", "d", "g"], "the refused ones never reached the store");
});
