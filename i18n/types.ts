/** Types derived from the French reference dictionary, so keys and parameters are checked. */
import type { fr } from "./fr.ts";

/** A plural entry: the form is chosen by `Intl.PluralRules` from the `count` parameter. */
export interface Plural {
  one: string;
  other: string;
}

type Reference = typeof fr;

/** Every message key. */
export type MessageKey = keyof Reference;

/** What a language module provides: every key, a plain string or a plural pair like French. */
export type Dictionary = { [K in MessageKey]: Reference[K] extends string ? string : Plural };

type ParamNames<S> = S extends `${string}{${infer P}}${infer Rest}` ? P | ParamNames<Rest> : never;

/** The `{param}` names a key's French text uses (plus `count` for plurals). */
export type ParamsOf<K extends MessageKey> = Reference[K] extends string ? ParamNames<Reference[K]>
  : Reference[K] extends { one: infer One; other: infer Other } ? ParamNames<One | Other> | "count"
  : never;

/** The arguments after the key: nothing for plain texts, an object naming every parameter otherwise. */
export type ParamsArg<K extends MessageKey> = [ParamsOf<K>] extends [never] ? []
  : [params: Record<ParamsOf<K>, string | number>];
