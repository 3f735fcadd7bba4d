#!/usr/bin/env node
import type { CommandIO } from './command.js';
import { main } from './run.js';

const io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ztgate: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
