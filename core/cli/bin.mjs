#!/usr/bin/env node
// The core CLI without the server verbs (participant and local verbs): what parallel training children run.
import { boot } from './boot.mjs';

await boot(new URL('./main.ts', import.meta.url));
