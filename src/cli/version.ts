// The version `ptlab --version` prints; test/e2e checks it matches package.json.

/** ptlab's version (kept equal to package.json's `version`). */
export const VERSION = '0.1.0';
