// @ts-nocheck -- built by Pepr's own toolchain in a workspace outside the repository (bench/pepr.ts);
// the repository's tsconfig includes bench/ but has no `pepr` package to check this file against.
import { PeprModule } from "pepr";
import cfg from "./package.json";
import { ZeroTrust } from "./capabilities/zero-trust";

// Pepr listens on 3000 unless started by hand; the benchmark picks a free port so that it can run on a
// shared machine. `pepr build` loads this file with PEPR_MODE=build, where there is no server to start.
const module = new PeprModule(cfg, [ZeroTrust], { deferStart: true });
if (process.env.PEPR_MODE !== "build") module.start(Number(process.env.BENCH_PEPR_PORT || 3000));
