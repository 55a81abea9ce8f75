import type { Handlers, PageProps } from "../../mod.ts";

interface Data {
  message: string;
}

export const handler: Handlers<Record<string, unknown>, Data> = {
  GET: (ctx) =>
    ctx.render({ message: "from the handler" }, { status: 203, headers: { "x-rendered": "yes" } }),
};

export default function RenderData({ data }: PageProps<Data>) {
  return <p id="data">{data.message}</p>;
}
