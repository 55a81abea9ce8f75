import type { LayoutProps } from "../../mod.ts";

export default function Layout({ Component }: LayoutProps) {
  return (
    <div id="error-tree-layout">
      <Component />
    </div>
  );
}
