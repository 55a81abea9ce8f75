/**
 * The worker side of `argon2_pool.ts`: computes one Argon2id hash per message, so the 19 MiB,
 * tens-of-milliseconds computation never runs on the server's event loop.
 */
/// <reference lib="deno.worker" />
import { argon2id } from "hash-wasm";
import type { Argon2Params } from "./argon2_pool.ts";

self.onmessage = async (event: MessageEvent<{ id: number; params: Argon2Params }>) => {
  const { id, params } = event.data;
  try {
    const hash = await argon2id({ ...params, outputType: "binary" });
    self.postMessage({ id, hash }, [hash.buffer]);
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
