import type { ErrorPageProps } from "../../mod.ts";

export default function ServerError(_props: ErrorPageProps) {
  return <p id="fixture-500">Fixture error page</p>;
}
