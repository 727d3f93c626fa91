// Which document is a report's current version: decided on evidence, with the reason for every version.

export interface VersionCandidate {
  /** Document id; a larger id was published (imported or fetched) later. */
  id: number;
  /** Cells the extraction found (0: no standard tables). */
  cells: number;
}

/** A newer version with tables is "clearly worse" when it has fewer than this share of the best one's cells. */
export const FAR_FEWER_CELLS = 0.5;

/**
 * Chooses the current version among a report's readable documents (ordered by id):
 * 1. a document pinned by a person wins;
 * 2. a document with the standard tables always beats one without (a stub pointing to an attachment,
 *    a saved list page, a notice);
 * 3. among documents with tables, the newest wins unless it is clearly worse (far fewer cells than
 *    the best), then the newest of those that are not;
 * 4. without tables anywhere, the newest wins.
 */
export function chooseVersion(
  docs: VersionCandidate[],
  pinned: number | null,
): { current: number; reasons: Map<number, string> } {
  // Loops rather than arrays filtered from docs: a report may have hundreds of versions, and this runs
  // for every document written.
  const hasTables = docs.some((d) => d.cells > 0);
  const inPool = (d: VersionCandidate) => !hasTables || d.cells > 0;
  let best = Number.NEGATIVE_INFINITY;
  for (const d of docs) if (inPool(d) && d.cells > best) best = d.cells;
  let chosen: VersionCandidate | undefined;
  for (let i = docs.length - 1; i >= 0 && !chosen; i--)
    if (inPool(docs[i]) && docs[i].cells >= best * FAR_FEWER_CELLS) chosen = docs[i];
  const pin = pinned !== null ? docs.find((d) => d.id === pinned) : undefined;
  const current = (pin ?? chosen) as VersionCandidate;
  const reasons = new Map<number, string>();
  for (const d of docs) {
    let why: string;
    if (d === current) {
      if (pin) why = "current: pinned by a person (zfxxgk versions --unpin to return to the evidence)";
      else if (!hasTables) why = "current: the newest version; no version has the standard tables";
      else {
        const newer = docs.filter((x) => x.id > d.id);
        why = `current: the newest version with the standard tables (${d.cells} cells)`;
        if (newer.some((x) => x.cells === 0))
          why += `; newer #${newer
            .filter((x) => x.cells === 0)
            .map((x) => x.id)
            .join(", #")} without tables`;
        if (newer.some((x) => x.cells > 0)) why += `; newer versions have far fewer cells`;
      }
      // The reasons of versions that are not current name no other version, so that a new version
      // rewrites only the reasons that really change (a report may have hundreds of versions).
    } else if (pin) why = "not current: another version is pinned by a person";
    else if (d.cells === 0 && hasTables)
      why = "not current: no standard tables (a stub, list page or notice), and another version has them";
    else if (d.cells < best * FAR_FEWER_CELLS)
      why = `not current: far fewer cells (${d.cells}) than the fullest version (${best})`;
    else why = "not current: a newer version with the standard tables is current";
    reasons.set(d.id, why);
  }
  return { current: current.id, reasons };
}
