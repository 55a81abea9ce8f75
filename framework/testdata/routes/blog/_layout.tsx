import type { LayoutProps } from "../../../mod.ts";

export default function BlogLayout({ Component }: LayoutProps) {
  return (
    <section id="layout-blog">
      <Component />
    </section>
  );
}
