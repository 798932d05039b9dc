// Where the tests find the repository, web/ and the artifacts folder.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** WebDir is the web/ folder. */
export const webDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** RepoRoot is the Go module's root, where cmd/devserver lives. */
export const repoRoot = join(webDir, "..");
/** ArtifactsDir collects screenshots and server logs (gitignored). */
export const artifactsDir = join(repoRoot, "test-artifacts");
/** DashboardDist is the built dashboard the dev server serves. */
export const dashboardDist = join(webDir, "dashboard", "dist");
