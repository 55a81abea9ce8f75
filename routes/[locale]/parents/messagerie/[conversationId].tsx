/** `/[locale]/parents/messagerie/:conversationId`: a conversation opened directly (deep link). */
import { messagerieHandler } from "../../_lib/messagerie.ts";
import { MessageriePage } from "../../_lib/MessageriePage.tsx";

export const handler = messagerieHandler("parents");
export default MessageriePage;
