import { runFunction } from '../../lib/runtime/main';
import { createApp, NAME } from './app';

await runFunction({ name: NAME, createApp });
