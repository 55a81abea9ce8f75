/** The parents portal's frame around its pages. */
import { portalLayout } from "@/routes/[locale]/_lib/PortalLayout.tsx";

export default portalLayout("parents");
