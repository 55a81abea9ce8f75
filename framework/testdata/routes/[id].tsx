import type { PageProps } from "../../mod.ts";

export default function ById({ params }: PageProps) {
  return <p id="param">id={params.id}</p>;
}
