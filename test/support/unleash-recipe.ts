/**
 * Runs docs/unleash.md's recipe for the three toggles (its bash block, extracted from the page, so the page and
 * what the tests create cannot drift) against a test Unleash server, with curl as the doc says.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { packageRoot } from './build.js';
import { startUnleashServer, type UnleashTestServer } from './unleash-server.js';

/** The recipe's script: the bash block of docs/unleash.md that creates the toggles. */
export function toggleRecipe(): string {
  const doc = readFileSync(path.join(packageRoot, 'docs', 'unleash.md'), 'utf8');
  const blocks = [...doc.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const recipe = blocks.find((b) => b.includes('toggle WS_ENABLE_SSOT'));
  if (recipe === undefined) throw new Error('docs/unleash.md has no bash block creating the toggles');
  return recipe;
}

/** Rollout percentages per toggle for the recipe (100 = the `default` strategy: everyone). */
export interface RecipePercentages {
  ssot: number;
  unified: number;
  factory: number;
}

/** Runs the recipe for `server`'s environment; resolves with its output, rejects with its stderr. */
export function createTogglesFromRecipe(server: UnleashTestServer, percentages: RecipePercentages, environment = server.environment): Promise<string> {
  const env = {
    ...process.env,
    UNLEASH_URL: server.url.replace(/\/api\/?$/, ''),
    UNLEASH_ADMIN_TOKEN: server.adminToken,
    ENVIRONMENT: environment,
    SSOT: String(percentages.ssot),
    UNIFIED: String(percentages.unified),
    FACTORY: String(percentages.factory),
  };
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', toggleRecipe()], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the toggle recipe failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * A real Unleash for one describe block with the recipe's toggles: started in beforeAll, closed in afterAll.
 * Returns the server (call it inside a test or hook, once started).
 */
export function unleashWithRecipe(percentages: RecipePercentages): () => UnleashTestServer {
  let server: UnleashTestServer | null = null;
  beforeAll(async () => {
    server = await startUnleashServer();
    await createTogglesFromRecipe(server, percentages);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  }, 30_000);
  return () => {
    if (server === null) throw new Error('the test Unleash server is not started');
    return server;
  };
}
