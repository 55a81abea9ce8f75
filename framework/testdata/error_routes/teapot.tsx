import { HttpError } from "../../mod.ts";

export const handler = () => {
  throw new HttpError(418, "short and stout", { headers: { "x-teapot": "yes" } });
};
