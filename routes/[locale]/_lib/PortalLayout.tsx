/**
 * The `_layout.tsx` of both portals: their pages inside the {@linkcode PortalShell}, fed from the
 * signed-in state and, on messagerie pages, the chosen membership and the chat's boot data.
 */
import type { ComponentType } from "preact";
import type { LayoutProps } from "@/framework/mod.ts";
import type { Portal } from "@/client/types.ts";
import { PortalShell } from "./PortalShell.tsx";
import type { MessagerieData } from "./messagerie.ts";
import type { SignedInPageState } from "./state.ts";

/** Props of a portal's layout: a page of the portal may have messagerie data, or none. */
export type PortalLayoutProps = LayoutProps<MessagerieData | undefined, SignedInPageState>;

/** The layout component of `portal`, to default-export from its `_layout.tsx`. */
export function portalLayout(portal: Portal): ComponentType<PortalLayoutProps> {
  return function PortalLayout({ Component, state, data, url }: PortalLayoutProps) {
    return (
      <PortalShell
        portal={portal}
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
  };
}
