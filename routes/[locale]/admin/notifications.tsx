/** `/[locale]/admin/notifications`: notification-email settings (shared with the other portal). */
import { notificationsHandler } from "@/routes/[locale]/_lib/notifications.ts";
import { NotificationsPage } from "@/routes/[locale]/_lib/NotificationsPage.tsx";

export const handler = notificationsHandler("admin");
export default NotificationsPage;
