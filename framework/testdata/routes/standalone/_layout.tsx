import { define } from "../../define.ts";

/** A section with its own frame: the root layout does not wrap it. */
export const config = { skipInheritedLayouts: true };

export default define.layout(({ Component }) => (
  <div id="layout-standalone">
    <Component />
  </div>
));
