import { define } from "../define.ts";

/** Renders its own document: no `_app`, no layout. */
export const config = define.config({ skipAppWrapper: true, skipInheritedLayouts: true });

export default define.page(() => (
  <html lang="en">
    <body>
      <p id="bare">bare</p>
    </body>
  </html>
));
