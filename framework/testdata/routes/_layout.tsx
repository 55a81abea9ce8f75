import type { LayoutProps } from "../../mod.ts";

export default function RootLayout({ Component }: LayoutProps) {
  return (
    <div id="layout-root">
      <Component />
    </div>
  );
}
