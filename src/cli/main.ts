#!/usr/bin/env node
import { runCli } from './program.js';

// No top-level await, so keelson-app can run the CLI as a CommonJS bundle from V8's code cache.
void runCli(process.argv).then((code) => {
  process.exitCode = code;
});
