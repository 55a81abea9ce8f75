/** `/[locale]/parents/messagerie/:conversationId`: a conversation opened directly (deep link). */
import { messagerieHandler } from "@/routes/[locale]/_lib/messagerie.ts";
import { MessageriePage } from "@/routes/[locale]/_lib/MessageriePage.tsx";

export const handler = messagerieHandler("parents");
export default MessageriePage;
