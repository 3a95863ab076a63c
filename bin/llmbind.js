#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so `npx llmbind` works from a checkout without a build.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
