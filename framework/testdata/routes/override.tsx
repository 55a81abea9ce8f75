import { define } from "../define.ts";

export const config = define.config({ routeOverride: "/legacy/:code/view" });

export default define.page(({ params, state }) => <p id="override">{params.code} {state.trail.join(">")}</p>);
