import { HttpError } from "../../mod.ts";
import type { ErrorPageProps } from "../../mod.ts";

/** The only error page of this tree: it answers 404s and 500s too. */
export default function ErrorPage({ error, status }: ErrorPageProps) {
  const message = status < 500 && error instanceof HttpError ? error.message : "something broke";
  return (
    <main id="only-error" data-status={String(status)}>
      {message}
    </main>
  );
}
