import { HttpError } from "../../mod.ts";

export const handler = () => {
  throw new HttpError(403, "members only");
};

export default function Never() {
  return <p>never rendered</p>;
}
