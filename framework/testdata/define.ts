/** The fixture routes' state, as the root middleware fills it (Fresh's `utils.ts` pattern). */
import { createDefine } from "../mod.ts";

export interface FixtureState {
  trail: string[];
  mark: string;
}

export const define = createDefine<FixtureState>();
