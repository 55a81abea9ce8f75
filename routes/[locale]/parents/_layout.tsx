/** The parents portal's frame around its pages. */
import { portalLayout } from "../_lib/PortalLayout.tsx";

export default portalLayout("parents");
