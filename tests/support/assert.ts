/**
 * Test assertions. `@std/assert` lives on JSR, which this project cannot reach, so these wrap
 * `node:assert` (built into Deno) with the std names everyone knows.
 */
import nodeAssert from "node:assert/strict";

/** Fails unless `actual` deep-equals `expected`. */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Fails if `actual` deep-equals `expected`. */
export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  nodeAssert.notDeepStrictEqual(actual, expected, message);
}

/** Fails unless `condition` is truthy. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Fails unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, message?: string): void {
  if (!text.includes(part)) {
    throw new nodeAssert.AssertionError({
      message: message ??
        `expected the text to include ${JSON.stringify(part)}; got ${JSON.stringify(text.slice(0, 500))}`,
    });
  }
}

/** Fails unless `text` matches `pattern`. */
export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(text, pattern, message);
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** Fails unless `fn` throws an instance of `errorClass`; returns the error for further checks. */
export function assertThrows<E extends Error = Error>(fn: () => unknown, errorClass?: ErrorClass<E>): E {
  try {
    fn();
  } catch (err) {
    if (errorClass && !(err instanceof errorClass)) {
      throw new nodeAssert.AssertionError({ message: `expected ${errorClass.name}, got ${String(err)}` });
    }
    return err as E;
  }
  throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
}

/** Fails unless `fn` rejects with an instance of `errorClass`; returns the error. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass<E>,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    if (errorClass && !(err instanceof errorClass)) {
      throw new nodeAssert.AssertionError({ message: `expected ${errorClass.name}, got ${String(err)}` });
    }
    return err as E;
  }
  throw new nodeAssert.AssertionError({ message: "expected the promise to reject" });
}
