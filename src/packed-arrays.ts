// Array building that keeps one elements kind whichever tier of V8 runs the code (bulk-import speed).
//
// `Array.prototype.map` returns a packed array from the interpreter but a holey one from optimized
// code, so a loop over its results sees a second kind once the producer is optimized, is thrown out of
// optimized code ("wrong map") and compiled again; over a bulk import this happens at dozens of sites.
// Arrays built by push are packed in every tier.

/** `items.map(f)`, always as a packed array. */
export function mapPacked<T, U>(items: readonly T[], f: (item: T, index: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < items.length; i++) out.push(f(items[i], i));
  return out;
}
