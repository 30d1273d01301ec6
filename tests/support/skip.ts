// A skipped test says why: the reason is printed as "SKIPPED: <why>" beside mocha's pending mark.
export function skipBecause(ctx: Mocha.Context, why: string, indent = ""): never {
  console.log(`${indent}SKIPPED: ${why}`);
  ctx.skip();
  throw new Error("unreachable"); // ctx.skip() throws; this tells the compiler so
}
