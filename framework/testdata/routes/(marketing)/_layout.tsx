import type { LayoutProps } from "../../../mod.ts";

export default function MarketingLayout({ Component }: LayoutProps) {
  return (
    <div id="layout-marketing">
      <Component />
    </div>
  );
}
