// The crawler's raw-byte store is the store's content-addressed blob folder (src/store/blobs.ts).
export { BlobStore, defaultDataDir, sha256 } from "../store/blobs.js";
