// `npm run build` runs this after compiling: it writes the data files shipped beside the compiled
// modules, each made from its source so that the program starts without making them (tests check that
// each shipped file equals a fresh one).
import { writeFileSync } from "node:fs";
import { buildRegionIndex, SHIPPED_INDEX } from "./analyst/region-index.js";
import { schemaSnapshot } from "./store/migrations.js";
import { SHIPPED_SNAPSHOT } from "./store/schema-snapshot.js";

writeFileSync(SHIPPED_INDEX, buildRegionIndex());
writeFileSync(SHIPPED_SNAPSHOT, schemaSnapshot());
