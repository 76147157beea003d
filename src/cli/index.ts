#!/usr/bin/env node
/** `ws-ssot`, the command line of the migration tools (package.json "bin"): `check` and `migrate`. */
import { main } from './main.js';

process.exitCode = main(process.argv.slice(2));
