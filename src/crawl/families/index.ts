// The CMS families, most specific first; adding a family is one module and one line here.
import type { PageContext } from "../page.js";
import { aspnet } from "./aspnet.js";
import { generic } from "./generic.js";
import { gkmlpt } from "./gkmlpt.js";
import { hanweb } from "./hanweb.js";
import { jpaas } from "./jpaas.js";
import { trs } from "./trs.js";
import type { Family } from "./types.js";

export const FAMILIES: Family[] = [jpaas, gkmlpt, hanweb, trs, aspnet];

/** The family whose fingerprints the page shows most; the generic reader when none shows. */
export function chooseFamily(ctx: PageContext): Family {
  let best: Family = generic;
  let score = 0;
  for (const f of FAMILIES) {
    const s = f.fingerprint(ctx);
    if (s > score) {
      best = f;
      score = s;
    }
  }
  return best;
}

export type { Family };
export { generic };
