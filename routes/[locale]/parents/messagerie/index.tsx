/** `/[locale]/parents/messagerie`: the conversation list (and, on wide screens, an empty chat pane). */
import { messagerieHandler } from "../../_lib/messagerie.ts";
import { MessageriePage } from "../../_lib/MessageriePage.tsx";

export const handler = messagerieHandler("parents");
export default MessageriePage;
