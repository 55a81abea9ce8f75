import { define } from "../../define.ts";

export const config = define.config({ skipInheritedLayouts: true });

export default define.page(() => <p id="plain">no layouts</p>);
