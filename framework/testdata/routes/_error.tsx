import { HttpError } from "../../mod.ts";
import type { ErrorPageProps } from "../../mod.ts";

/** Every error status without its own page (the fixture has `_404` and `_500` too). */
export default function ErrorPage({ error, status }: ErrorPageProps) {
  const message = error instanceof HttpError ? error.message : "unexpected";
  return <p id="fixture-error">{status}: {message}</p>;
}
