#!/usr/bin/env node
// Entry point of the `xmpp-push-relay` command; the TypeScript is compiled to dist/ by `npm ci`.
import { main } from '../dist/app/cli.js';

process.exitCode = await main(process.argv.slice(2));
