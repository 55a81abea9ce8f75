import { HttpError } from "../../mod.ts";
import { define } from "../define.ts";

/** A middleware-free way to a 404: throwing it. */
export const handler = define.handlers(() => {
  throw new HttpError(404);
});
