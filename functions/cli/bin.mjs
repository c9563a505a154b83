#!/usr/bin/env node
// The `sketchboard` command (package bin): every verb, the server's included.
import { boot } from '../../core/cli/boot.mjs';

await boot(new URL('./main.ts', import.meta.url));
