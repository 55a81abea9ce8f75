/** Names shared by the server renderer and the client boot; changing one breaks hydration of both. */

/** Element that wraps each island's server HTML; `display: contents` keeps it out of layout. */
export const ISLAND_TAG = "x-island";
/** Element that wraps server-rendered `children` passed to an island. */
export const SLOT_TAG = "x-slot";
/** `id` of the one `<script type="application/json">` holding every island's props on a page. */
export const STATE_ID = "__ISLANDS_STATE__";
/** URL prefix under which the client build is served. */
export const JS_PREFIX = "/_islands/js/";
