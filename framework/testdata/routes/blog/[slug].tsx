import type { PageProps } from "../../../mod.ts";

export default function Post({ params, state }: PageProps<unknown, { trail: string[] }>) {
  return (
    <article>
      <p id="slug">{params.slug}</p>
      <p id="trail">{state.trail.join(">")}</p>
    </article>
  );
}
