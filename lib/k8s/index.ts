export * from './client';
export * from './config';
export * from './counters';
export * from './errors';
export * from './resources';
