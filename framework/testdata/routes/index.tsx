import type { PageProps } from "../../mod.ts";

export default function Home({ state }: PageProps<unknown, { trail?: string[]; prefilled?: string }>) {
  return (
    <main class="p-4 text-blue-600">
      <p id="trail">{(state.trail ?? []).join(">")}</p>
      <p id="prefilled">{state.prefilled ?? "none"}</p>
    </main>
  );
}
