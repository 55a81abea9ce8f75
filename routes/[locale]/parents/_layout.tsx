/** The parents portal's frame around its pages. */
import type { LayoutProps } from "../../../framework/mod.ts";
import { PortalShell } from "../_lib/PortalShell.tsx";
import type { MessagerieData } from "../_lib/messagerie.ts";
import type { SignedInPageState } from "../_lib/state.ts";

export default function ParentsLayout(
  { Component, state, data, url }: LayoutProps<MessagerieData | undefined, SignedInPageState>,
) {
  return (
    <PortalShell
      portal="parents"
      locale={state.locale}
      path={url.pathname}
      userName={state.user.name}
      memberships={state.me.memberships}
      current={data?.membership ?? null}
      boot={data?.boot ?? null}
    >
      <Component />
    </PortalShell>
  );
}
