/** `/[locale]/parents/messagerie`: the conversation list (and, on wide screens, an empty chat pane). */
import { messagerieHandler } from "@/routes/[locale]/_lib/messagerie.ts";
import { MessageriePage } from "@/routes/[locale]/_lib/MessageriePage.tsx";

export const handler = messagerieHandler("parents");
export default MessageriePage;
