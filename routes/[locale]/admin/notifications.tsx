/** `/[locale]/admin/notifications`: notification-email settings (shared with the other portal). */
import { notificationsHandler } from "../_lib/notifications.ts";
import { NotificationsPage } from "../_lib/NotificationsPage.tsx";

export const handler = notificationsHandler("admin");
export default NotificationsPage;
