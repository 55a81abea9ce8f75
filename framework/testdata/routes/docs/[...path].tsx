import type { PageProps } from "../../../mod.ts";

export default function Docs({ params }: PageProps) {
  return <p id="path">path={params.path}</p>;
}
