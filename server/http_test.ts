import { Hono } from "hono";
import { assertEquals } from "../tests/support/assert.ts";
import { HttpError } from "../framework/mod.ts";
import { TimeoutError } from "../util/timeout.ts";
import { errorResponse, limitBodies, pageError, readJson } from "./http.ts";

const JSON_TYPE = { "content-type": "application/json" };

function app(maxBytes: number) {
  const app = new Hono();
  app.use("*", limitBodies(maxBytes));
  app.post("/", async (c) => {
    try {
      return c.json({ got: await readJson(c.req.raw) });
    } catch (error) {
      return errorResponse(error);
    }
  });
  return app;
}

Deno.test("body limit - a body within the limit is read as JSON", async () => {
  const res = await app(64).request("/", {
    method: "POST",
    headers: JSON_TYPE,
    body: JSON.stringify({ a: 1 }),
  });
  assertEquals(await res.json(), { got: { a: 1 } });
});

Deno.test("body limit - an announced oversized body answers 413 too_large in the error shape", async () => {
  const res = await app(16).request("/", {
    method: "POST",
    headers: JSON_TYPE,
    body: JSON.stringify({ text: "x".repeat(32) }),
  });
  assertEquals(res.status, 413);
  const body = await res.json();
  assertEquals(body.error.code, "too_large");
  assertEquals(typeof body.error.message, "string");
});

Deno.test("body limit - a streamed body without Content-Length is cut at the limit too", async () => {
  const chunks = [new TextEncoder().encode('{"text":"'), new TextEncoder().encode("y".repeat(64) + '"}')];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      next ? controller.enqueue(next) : controller.close();
    },
  });
  const req = new Request("http://localhost/", { method: "POST", headers: JSON_TYPE, body: stream });
  assertEquals(req.headers.has("content-length"), false);
  const res = await app(16).request(req);
  assertEquals(res.status, 413);
  assertEquals((await res.json()).error.code, "too_large");
});

Deno.test("body limit - an empty or malformed body is 400 bad_request", async () => {
  const empty = await app(64).request("/", { method: "POST", headers: JSON_TYPE, body: "" });
  assertEquals([empty.status, (await empty.json()).error.code], [400, "bad_request"]);
  const broken = await app(64).request("/", { method: "POST", headers: JSON_TYPE, body: "{nope" });
  assertEquals([broken.status, (await broken.json()).error.code], [400, "bad_request"]);
});

Deno.test("page errors - a database outage becomes a 503 page with Retry-After; other errors stay as thrown", () => {
  const outage = pageError(
    new Error("query failed", { cause: new TimeoutError("no answer within 15000 ms") }),
  );
  if (!(outage instanceof HttpError)) throw new Error(`expected an HttpError, got ${outage}`);
  assertEquals(outage.status, 503);
  assertEquals(outage.code, "unavailable");
  assertEquals(new Headers(outage.headers).get("retry-after"), "1");
  const bug = new Error("a bug");
  assertEquals(pageError(bug), bug);
  const notFound = new HttpError(404);
  assertEquals(pageError(notFound), notFound);
});
