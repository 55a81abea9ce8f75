import { define } from "../../define.ts";

export const handler = define.handlers<string>({ GET: (ctx) => ctx.render(`mark=${ctx.state.mark}`) });

export default define.page<string>(({ data }) => <p id="standalone">{data}</p>);
