/**
 * The frame of both portals: a header (brand, portal, establishment switcher, connection status,
 * language, sign-out) above the page. The admin portal adds a navigation rail and a dark header.
 */
import type { ComponentChildren } from "preact";
import type { Membership } from "@/db/models.ts";
import type { ChatBoot, Portal } from "@/client/types.ts";
import { FOCUS_RING } from "@/components/styles.ts";
import ConnectionStatus from "@/islands/ConnectionStatus.tsx";
import { type Locale, translator } from "@/i18n/mod.ts";
import { messageriePath } from "./portal.ts";

export interface PortalShellProps {
  portal: Portal;
  locale: Locale;
  /** The current path, for the language link. */
  path: string;
  userName: string;
  memberships: readonly Membership[];
  current: Membership | null;
  boot: ChatBoot | null;
  children: ComponentChildren;
}

export function PortalShell(props: PortalShellProps) {
  const { locale, portal } = props;
  const t = translator(locale);
  const other: Locale = locale === "fr" ? "en" : "fr";
  const admin = portal === "admin";
  const link = admin ? "text-white" : "text-blue-800";
  return (
    <div class="flex h-screen flex-col">
      <header
        data-portal-header
        class={`flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2 ${
          admin ? "bg-slate-900 text-white" : "border-b border-slate-200 bg-white text-slate-900"
        }`}
      >
        <p class="flex items-baseline gap-2">
          <span class={`text-xl font-extrabold tracking-tight ${admin ? "text-white" : "text-blue-800"}`}>
            {t("app.name")}
          </span>
          <span class={`text-sm ${admin ? "text-slate-200" : "text-slate-600"}`}>
            {t(`portal.${portal}`)}
          </span>
        </p>
        {props.memberships.length > 1 && (
          <nav aria-label={t("nav.establishments")} class="min-w-0 max-w-full overflow-x-auto">
            <ul class="flex gap-1">
              {props.memberships.map((m) => {
                const current = m.establishmentId === props.current?.establishmentId;
                return (
                  <li key={m.establishmentId}>
                    <a
                      href={`${messageriePath(locale, m)}?establishment=${
                        encodeURIComponent(m.establishmentId)
                      }`}
                      aria-current={current ? "true" : undefined}
                      class={`block whitespace-nowrap rounded-full px-3 py-1 text-sm font-medium ${
                        current
                          ? "bg-blue-700 text-white"
                          : admin
                          ? "bg-slate-700 text-white hover:bg-slate-600"
                          : "bg-slate-100 text-slate-800 hover:bg-slate-200"
                      } ${FOCUS_RING}`}
                      data-establishment={m.establishmentId}
                    >
                      {m.establishmentName}
                    </a>
                  </li>
                );
              })}
            </ul>
          </nav>
        )}
        <div class="ml-auto flex items-center gap-3">
          {props.boot && (
            <div class="rounded-full bg-white px-3 py-1 ring-1 ring-slate-200">
              <ConnectionStatus boot={props.boot} />
            </div>
          )}
          <span class={`hidden text-sm lg:inline ${admin ? "text-slate-200" : "text-slate-700"}`}>
            {t("nav.signedInAs", { name: props.userName })}
          </span>
          <a
            href={`/${locale}/${portal}/notifications`}
            class={`text-sm font-medium underline ${link} ${FOCUS_RING}`}
            data-notifications-link
          >
            {t("nav.notifications")}
          </a>
          <a
            href={`/${other}${props.path.slice(locale.length + 1)}`}
            hreflang={other}
            lang={other}
            title={t("nav.otherLanguageLabel")}
            class={`text-sm font-medium underline ${link} ${FOCUS_RING}`}
          >
            {t("nav.otherLanguage")}
          </a>
          <form method="post" action={`/${locale}/logout`}>
            <button
              type="submit"
              class={`rounded-lg px-3 py-1.5 text-sm font-semibold ${
                admin
                  ? "bg-white text-slate-900 hover:bg-slate-200"
                  : "bg-slate-800 text-white hover:bg-slate-700"
              } ${FOCUS_RING}`}
              data-logout
            >
              {t("nav.logout")}
            </button>
          </form>
        </div>
      </header>
      <div class="flex min-h-0 flex-1">
        {admin && (
          <nav aria-label={t("portal.admin")} class="hidden w-48 shrink-0 bg-slate-800 p-3 lg:block">
            <ul class="space-y-1">
              {adminLinks(locale, props.memberships).map(({ href, label }) => {
                const current = props.path === href || props.path.startsWith(`${href}/`);
                return (
                  <li key={href}>
                    <a
                      href={href}
                      aria-current={current ? "page" : undefined}
                      class={`block rounded-lg px-3 py-2 text-sm font-semibold text-white ${
                        current ? "bg-slate-700" : "hover:bg-slate-700"
                      } ${FOCUS_RING}`}
                    >
                      {t(label)}
                    </a>
                  </li>
                );
              })}
            </ul>
          </nav>
        )}
        <main id="main" class="flex min-h-0 min-w-0 flex-1">{props.children}</main>
      </div>
    </div>
  );
}

/** The staff rail: the messagerie and emails for all staff; the outbox, people, invitations and the audit log for admins. */
function adminLinks(locale: Locale, memberships: readonly Membership[]) {
  const links: {
    href: string;
    label:
      | "nav.messagerie"
      | "nav.emails"
      | "nav.outbox"
      | "nav.people"
      | "nav.classes"
      | "nav.invitations"
      | "nav.audit";
  }[] = [
    { href: `/${locale}/admin/messagerie`, label: "nav.messagerie" },
    { href: `/${locale}/admin/emails`, label: "nav.emails" },
  ];
  if (memberships.some((m) => m.role === "admin")) {
    links.push({ href: `/${locale}/admin/outbox`, label: "nav.outbox" });
    links.push({ href: `/${locale}/admin/people`, label: "nav.people" });
    links.push({ href: `/${locale}/admin/classes`, label: "nav.classes" });
    links.push({ href: `/${locale}/admin/invitations`, label: "nav.invitations" });
    links.push({ href: `/${locale}/admin/audit`, label: "nav.audit" });
  }
  return links;
}
