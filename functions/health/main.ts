import { runFunction } from '../../lib/main';
import { createApp, NAME } from './app';

await runFunction({ name: NAME, createApp });
