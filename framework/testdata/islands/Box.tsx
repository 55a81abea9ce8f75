import type { ComponentChildren } from "preact";

/** Renders server-provided children inside its own markup. */
export default function Box({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="box">
      <h2>{title}</h2>
      {children}
    </div>
  );
}
