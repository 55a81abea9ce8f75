import { linkify } from "../client/linkify.ts";
import { FOCUS_RING } from "./styles.ts";

/**
 * Message text as text nodes (never HTML), with http(s) links opened in a new tab without giving
 * the target page a handle on ours (`noopener noreferrer`) nor search-engine credit (`nofollow`).
 */
export function LinkifiedText({ text, linkClass }: { text: string; linkClass: string }) {
  return (
    <>
      {linkify(text).map((segment, index) =>
        segment.kind === "text" ? segment.text : (
          <a
            key={index}
            href={segment.href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            class={`underline underline-offset-2 ${linkClass} ${FOCUS_RING}`}
          >
            {segment.text}
          </a>
        )
      )}
    </>
  );
}
