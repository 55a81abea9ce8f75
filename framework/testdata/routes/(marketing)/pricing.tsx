import type { PageProps } from "../../../mod.ts";

export default function Pricing({ state }: PageProps<unknown, { trail: string[] }>) {
  return <p id="trail">{state.trail.join(">")}</p>;
}
