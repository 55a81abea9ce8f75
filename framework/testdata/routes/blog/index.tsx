import type { PageProps } from "../../../mod.ts";

export default function BlogIndex({ state }: PageProps<unknown, { trail: string[] }>) {
  return <p id="trail">{state.trail.join(">")}</p>;
}
