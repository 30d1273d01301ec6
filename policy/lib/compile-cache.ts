// Node's on-disk compile cache (Node >= 22.1): a module compiled once is loaded from V8's code cache
// on later starts. Imported first by the checker's bin (cli/bin.ts) and by the pack (index.ts), so
// every module loaded after it is cached. NODE_COMPILE_CACHE=<dir>, set before Node starts, covers
// the modules loaded before this one too (the policy runtime's TypeScript and @pulumi/pulumi: about
// 350 ms of the analyzer's start-up here). NODE_DISABLE_COMPILE_CACHE=1 turns it off; on Node 20 it
// is absent and nothing happens.
/* eslint-disable @typescript-eslint/no-require-imports -- `module` members newer than @types/node 22, probed at run time */
type CompileCacheApi = {
    enableCompileCache?: () => { status: number; directory?: string };
    flushCompileCache?: () => void;
};
const api = require("module") as CompileCacheApi;

/** Where the cache is kept; undefined when it is off or unavailable. */
export const compileCacheDirectory: string | undefined = api.enableCompileCache?.().directory;

/**
 * Node writes its cache when the process exits normally. The Pulumi engine ends a policy analyzer
 * with SIGKILL, so an analyzer's cache is written only by flushing it: once the pack is loaded, and
 * once after the first requests (which load a few modules more). The timer does not keep the
 * process alive.
 */
export function flushCompileCacheWhileRunning(): void {
    const flush = api.flushCompileCache;
    if (compileCacheDirectory === undefined || flush === undefined) return;
    setImmediate(() => flush());
    setTimeout(() => flush(), 3000).unref();
}
